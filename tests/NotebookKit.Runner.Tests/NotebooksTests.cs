using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NotebookKit.Testing;
using static NotebookKit.Runner.Tests.Nbkit;

namespace NotebookKit.Runner.Tests;

/// <summary>Runs every notebook in notebooks/ once, in fast mode, in the released C# kernel: CI's proof that the series executes.</summary>
public sealed class NotebookSeriesRun
{
    public Result Result { get; } = Run("run", Path.Combine(RepoRoot, "notebooks"), "--fast");
    public string[] Notebooks { get; } = Directory.GetFiles(Path.Combine(RepoRoot, "notebooks"), "*.ipynb").Order().ToArray();
}

public class NotebooksTests(NotebookSeriesRun series) : IClassFixture<NotebookSeriesRun>
{
    [Fact]
    public void Every_notebook_runs_in_fast_mode_without_a_failing_cell()
    {
        Assert.NotEmpty(series.Notebooks);
        Assert.True(series.Result.ExitCode == 0, series.Result.All);
        foreach (var notebook in series.Notebooks)
            Assert.Matches($@"{Regex.Escape(Path.GetFileName(notebook))}\s+\d+/\d+\s+[\d.]+\s+\d+\s+ok", series.Result.Stdout);
    }

    [Fact]
    public void No_notebook_shows_an_error_or_a_compiler_warning()
    {
        foreach (var notebook in series.Notebooks)
        {
            var name = Path.GetFileNameWithoutExtension(notebook);
            Assert.Matches($@"{Regex.Escape(name)}\.ipynb\s+\d+/\d+\s+[\d.]+\s+0\s+ok", series.Result.Stdout);
            var outputs = Cells(series.Result.Notebook(name)).Where(c => c!["cell_type"]!.GetValue<string>() == "code")
                .SelectMany(c => ((JsonArray)c!["outputs"]!).Select(o => (JsonObject)o!)).ToArray();
            Assert.DoesNotContain(outputs, o => o["output_type"]!.GetValue<string>() == "error");
            var diagnostics = outputs.Where(o => o["name"]?.GetValue<string>() == "stderr")
                .Select(o => Text(o["text"])).Where(t => Regex.IsMatch(t, @"\b(warning|error) CS\d+")).ToArray();
            Assert.True(diagnostics.Length == 0, $"{name}: {string.Join("", diagnostics)}");
        }
    }

    [Fact]
    public void Every_executed_notebook_is_valid_nbformat()
    {
        foreach (var notebook in series.Notebooks)
        {
            var executed = Path.Combine(series.Result.OutDir, Path.GetFileName(notebook));
            Assert.Null(ValidateWithNbformat(executed));
        }
    }

    [Fact]
    public void Every_notebook_keeps_the_conventions()
    {
        var check = Run("check", Path.Combine(RepoRoot, "notebooks"));
        Assert.True(check.ExitCode == 0, check.All);
    }

    [Fact]
    public void Notebook_00_shows_environment_tensor_dataframe_chart_and_streamed_training()
    {
        var nb = series.Result.Notebook("00-getting-started");
        var outputs = Cells(nb).Where(c => c!["cell_type"]!.GetValue<string>() == "code")
            .SelectMany(c => ((JsonArray)c!["outputs"]!).Select(o => (JsonObject)o!)).ToArray();
        string Html(JsonObject o) => Text(o["data"]?["text/html"]);
        Assert.Contains(outputs, o => Html(o).Contains("NotebookKit environment") && Html(o).Contains("libtorch"));
        Assert.Contains(outputs, o => Html(o).Contains("type = Float32"));                  // TorchSharp's own formatter
        Assert.Contains(outputs, o => Html(o).Contains("569 rows &times; 31 columns"));      // DataFrame table
        Assert.Contains(outputs, o => Html(o).Contains("Plotly") && Html(o).Contains("nbkit-plot"));
        Assert.Contains(outputs, o => o["output_type"]!.GetValue<string>() == "stream" && Text(o["text"]).Contains("epoch   1/"));
        Assert.Contains(outputs, o => Text(o["text"]).Contains("check passed: test accuracy above 90%"));
    }

    [Fact]
    public void Every_chart_in_the_handout_of_notebook_00_draws_offline_in_chromium()
    {
        var html = Path.Combine(series.Result.OutDir, "00-getting-started.html");
        var expected = Regex.Matches(File.ReadAllText(html), "class=\"nbkit-plot\"").Count;
        Assert.True(expected >= 1, "the handout has no chart");

        var (dom, log) = Chromium.DumpDom(html);
        Assert.Equal(expected, Regex.Matches(dom, "class=\"nbkit-plot js-plotly-plot\"").Count); // plotly.js drew each one
        Assert.Equal(0, Regex.Matches(dom, "class=\"nbkit-plot\"").Count);
        Assert.True(Regex.Matches(dom, "class=\"main-svg\"").Count >= expected);
        var scriptErrors = log.Split('\n').Where(l => l.Contains(":CONSOLE") && (l.Contains("Uncaught") || l.Contains("Error"))).ToArray();
        Assert.True(scriptErrors.Length == 0, string.Join("\n", scriptErrors));
    }

    [Fact]
    public void A_later_chart_of_notebook_03_shown_alone_draws_offline_in_chromium_and_carries_the_plotly_mime_bundle()
    {
        var charts = Cells(series.Result.Notebook("03-optimizers"))
            .SelectMany(c => (c!["outputs"] as JsonArray ?? []).Select(o => (JsonObject)o!))
            .Where(o => Text(o["data"]?["text/html"]).Contains("class=\"nbkit-plot\"")).ToArray();
        Assert.True(charts.Length >= 2, $"notebook 03 shows {charts.Length} chart(s)");
        foreach (var chart in charts)
        {
            var bundle = Assert.IsType<JsonObject>(chart["data"]!["application/vnd.plotly.v1+json"]);
            Assert.IsType<JsonArray>(bundle["data"]);
            Assert.NotNull(bundle["layout"]);
        }

        // Only the last chart, as a viewer that renders outputs one by one (or a re-run after clearing) shows it.
        var (dom, log) = Chromium.DumpPage(Text(charts[^1]["data"]!["text/html"]));
        Assert.Equal(1, Chromium.DrawnCharts(dom));
        Assert.True(Regex.Matches(dom, "class=\"main-svg\"").Count >= 1);
        Assert.Empty(Chromium.ScriptErrors(log));
    }
}
