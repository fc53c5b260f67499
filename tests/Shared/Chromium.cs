using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NotebookKit.Testing;

/// <summary>Debian's headless chromium, shared by the kit's and the runner's tests (linked into both projects).</summary>
static class Chromium
{
    /// <summary>Debian's chromium, headless, no network: loads a file and returns the DOM after scripts ran, and the log.</summary>
    public static (string Dom, string Log) DumpDom(string path)
    {
        var profile = Path.Combine(Path.GetTempPath(), "nbkit-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}",
            "--virtual-time-budget=20000", "--dump-dom", new Uri(path).AbsoluteUri,
        }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium not found: scripts/test.sh installs it");
        var dom = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(true); throw new TimeoutException("chromium hung"); }
        try { Directory.Delete(profile, true); } catch (IOException) { }
        return (dom.Result, log.Result);
    }

    /// <summary>Charts plotly.js drew: it adds js-plotly-plot to the kit's nbkit-plot element.</summary>
    public static int DrawnCharts(string dom) => Regex.Matches(dom, "class=\"nbkit-plot js-plotly-plot\"").Count;

    /// <summary>Uncaught exceptions and errors the page's scripts logged.</summary>
    public static string[] ScriptErrors(string log) =>
        log.Split('\n').Where(l => l.Contains(":CONSOLE") && (l.Contains("Uncaught") || l.Contains("Error"))).ToArray();

    /// <summary>
    /// Loads a page holding only the given HTML fragments (as a viewer that shows outputs one by one would) and
    /// returns its DOM after scripts ran, and the log.
    /// </summary>
    public static (string Dom, string Log) DumpPage(params string[] fragments)
    {
        var path = Path.Combine(Path.GetTempPath(), "nbkit-page-" + Guid.NewGuid().ToString("N") + ".html");
        File.WriteAllText(path, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" + string.Join("\n", fragments) + "\n</body></html>\n");
        try { return DumpDom(path); }
        finally { File.Delete(path); }
    }
}
