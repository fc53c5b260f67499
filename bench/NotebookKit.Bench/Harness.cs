using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace NotebookKit.Bench;

/// <summary>One measured benchmark: the kit's time beside its anchor's (scikit-learn, Optuna, a bare loop...).</summary>
public sealed record BenchResult(string Benchmark, double KitSeconds, double? AnchorSeconds, string Anchor, string Note = "")
{
    /// <summary>Anchor time over kit time: above 1 means the kit is faster.</summary>
    public double? Speedup => AnchorSeconds is double a && KitSeconds > 0 ? a / KitSeconds : null;
}

/// <summary>A group of benchmarks run together, e.g. "metrics". Found by reflection; add a class to add a group.</summary>
public interface IBenchmarkGroup
{
    string Name { get; }
    IEnumerable<BenchResult> Run(BenchOptions options);
}

public sealed record BenchOptions(bool Quick, string RepoRoot);

public static class Measure
{
    /// <summary>Best of <paramref name="repeats"/> wall-clock runs after one warm-up, in seconds.</summary>
    public static double Best(Action action, int repeats = 5)
    {
        action();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Runs an anchor script with Debian's Python (<c>/usr/bin/python3</c>, where python3-sklearn and python3-optuna
    /// live) and returns the JSON object it prints last: benchmark name to seconds (or any numbers).
    /// </summary>
    public static Dictionary<string, double> PythonAnchor(BenchOptions options, string script, params string[] args)
    {
        var path = Path.Combine(options.RepoRoot, "bench", "anchors", script);
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {error}");
        var last = output.Trim().Split('\n')[^1];
        return JsonSerializer.Deserialize<Dictionary<string, double>>(last)
            ?? throw new InvalidOperationException($"{script} printed no JSON object");
    }

    public static string Format(double seconds) =>
        seconds < 1e-3 ? (seconds * 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " us"
        : seconds < 1 ? (seconds * 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " ms"
        : seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
