using System.Text.RegularExpressions;
using NotebookKit.Testing;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class StudyReportTests
{
    static Study Made(int trials)
    {
        var study = Study.Create(sampler: new RandomSampler(2));
        study.Optimize(t =>
        {
            double x = t.SuggestFloat("x", -2, 2), y = t.SuggestFloat("y", 1e-3, 1, log: true);
            for (int step = 1; step <= 3; step++) t.Report(x * x + y + 1.0 / step, step);
            return x * x + y;
        }, nTrials: trials, showProgress: false);
        return study;
    }

    [Fact]
    public void A_report_holds_every_plot_and_draws_offline_in_chromium()
    {
        var html = StudyReport.Html(Made(12), "sqlite:///x.db");
        // The plots the issue names, listed here rather than taken from the code under test.
        string[] sections = ["history", "intermediate", "importances", "parallel", "contour"];
        foreach (var section in sections)
            Assert.Matches($"<section id=\"{section}\"><h2>[^<]+</h2>\\n<div id=\"[^\"]+\" class=\"nbkit-plot\"", html);
        Assert.Contains("Contour over x and y", html); // the two numeric parameters, most important first
        Assert.Single(Regex.Matches(html, "plotly.js v" + Regex.Escape(global::NotebookKit.Display.PlotlyHtml.PlotlyVersion)));
        var path = Path.Combine(Path.GetTempPath(), $"nbkit-report-{Guid.NewGuid():N}.html");
        File.WriteAllText(path, html);
        try
        {
            var (dom, log) = Chromium.DumpDom(path);
            Assert.Equal(sections.Length, Chromium.DrawnCharts(dom));
            Assert.Empty(Chromium.ScriptErrors(log));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_young_study_gets_the_plots_it_can_give_and_a_sentence_for_the_others()
    {
        var html = StudyReport.Html(Made(2));
        Assert.Contains("<section id=\"history\"><h2>Optimisation history</h2>\n<div", html);
        Assert.Contains("Not drawn: Importances need at least 3 completed trials.", html);
        Assert.Contains("Not drawn: The contour needs at least 3 completed trials.", html);
    }
}
