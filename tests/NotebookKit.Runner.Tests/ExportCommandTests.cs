using System.Diagnostics;
using System.Text.RegularExpressions;
using NotebookKit.Testing;
using static NotebookKit.Runner.Tests.Nbkit;

namespace NotebookKit.Runner.Tests;

public class ExportCommandTests
{
    static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nbkit-export-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void Notebook_00_exported_as_a_file_based_app_runs_with_dotnet_run_and_writes_its_displays_to_html()
    {
        var dir = TempDir();
        var export = Run("export", Path.Combine(RepoRoot, "notebooks", "00-getting-started.ipynb"), "--out", dir);
        Assert.True(export.ExitCode == 0, export.All);
        var program = File.ReadAllText(Path.Combine(dir, "00-getting-started.cs"));
        Assert.Contains("#:package TorchSharp-cpu@0.107.0", program);
        Assert.Matches(@"#:project .*src/NotebookKit\n", program);
        Assert.Contains("size = \"fast\";", program);
        Assert.Contains("display(Kit.Setup(seed: 42));", program);   // a cell's trailing expression is shown

        var start = new ProcessStartInfo("dotnet", ["run", "00-getting-started.cs"])
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("dotnet run of the exported notebook did not finish in 10 minutes");
        }
        Assert.True(process.ExitCode == 0, stdout.Result + "\n" + stderr.Result);
        Assert.Contains("check passed: test accuracy above 90%", stdout.Result);
        Assert.Contains("569 rows x 31 columns", stdout.Result);            // a DataFrame, as text on the console
        Assert.Matches(@"run time \d+ s at size fast", stdout.Result);

        var html = Path.Combine(dir, "00-getting-started.html");
        var page = File.ReadAllText(html);
        Assert.Contains("569 rows &times; 31 columns", page);                 // the same DataFrame, as a table
        int charts = Regex.Matches(page, "class=\"nbkit-plot\"").Count;
        Assert.True(charts >= 2, $"the page holds {charts} chart(s)");
        var (dom, _) = Chromium.DumpDom(html);
        Assert.Equal(charts, Regex.Matches(dom, "class=\"nbkit-plot js-plotly-plot\"").Count); // each one drew
    }

    [Fact]
    public void A_loose_assembly_reference_cannot_be_exported_and_the_error_names_the_cell()
    {
        var dir = TempDir();
        var notebook = Path.Combine(dir, "loose.ipynb");
        File.WriteAllText(notebook, """
            {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
              "source": ["#r \"/opt/other/Library.dll\"\n", "var x = 1;"]}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """);
        var result = Run("export", notebook, "--out", dir);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("loose, cell 1: cannot export '#r \"/opt/other/Library.dll\"'", result.Stderr);
        Assert.DoesNotContain("   at ", result.All);   // a message, not a stack trace
    }
}
