using System.Globalization;
using System.Net;
using System.Text;
using NotebookKit.Display;

namespace NotebookKit.Tuning;

/// <summary>
/// One HTML page about a study, the dashboard of <c>nbkit study report</c>: a summary, then the optimisation history,
/// intermediate values, parameter importances, parallel coordinates and a contour of the two most important numeric
/// parameters, then the best trials. It draws offline on its own (plotly.js inside, once). It reads the study once
/// (<see cref="Study.Snapshot"/>), so every part shows the same trials while workers go on. A plot the study cannot
/// give yet (importances need 3 completed trials) is replaced by a sentence saying why.
/// </summary>
public static class StudyReport
{
    /// <summary>The section ids, in page order: one per plot (tests and links use them).</summary>
    public static readonly string[] Sections = ["history", "intermediate", "importances", "parallel", "contour"];

    /// <summary>The report page; <paramref name="source"/> (e.g. the storage URL, without password) is named under the title.</summary>
    public static string Html(Study study, string? source = null, int bestTrials = 10)
    {
        var snapshot = study.Snapshot();
        var trials = snapshot.GetTrials();
        var summary = StudySummary.Of(snapshot, trials);
        var body = new StringBuilder();
        body.Append($"<h1>Study {Encode(study.Name)}</h1>\n<p>")
            .Append(source is null ? "" : $"{Encode(source)} &middot; ")
            .Append($"read {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC &middot; ")
            .Append("a snapshot: run the report again to see trials finished since.</p>\n")
            .Append($"<p><b>{study.Direction}</b> &middot; {summary.Total} trials: {Encode(summary.CountsText())}<br>")
            .Append($"best value: {Encode(summary.BestText())}</p>\n");

        IReadOnlyDictionary<string, double>? importances = null;
        Section(body, "history", "Optimisation history", () => StudyPlots.OptimizationHistory(snapshot),
            summary.Counts[TrialState.Complete] == 0 ? "No completed trial yet." : null);
        Section(body, "intermediate", "Intermediate values", () => StudyPlots.IntermediateValues(snapshot),
            trials.Any(t => t.IntermediateValues.Count > 0) ? null : "No trial reported intermediate values (trial.Report).");
        Section(body, "importances", "Parameter importances", () =>
        {
            importances = ParameterImportance.Evaluate(snapshot);
            return StudyPlots.ParamImportances(importances);
        }, null);
        Section(body, "parallel", "Parallel coordinates", () => StudyPlots.ParallelCoordinates(snapshot),
            summary.Counts[TrialState.Complete] == 0 ? "No completed trial yet." : null);
        var numeric = SearchSpace.Intersection(trials).Where(p => p.Value is NumericDistribution).Select(p => p.Key).ToHashSet();
        var pair = (importances?.Keys ?? numeric.Order(StringComparer.Ordinal)).Where(numeric.Contains).Take(2).ToArray();
        Section(body, "contour", pair.Length == 2 ? $"Contour over {pair[0]} and {pair[1]}" : "Contour",
            () => StudyPlots.Contour(snapshot, pair[0], pair[1]),
            pair.Length < 2 ? "The contour needs two numeric parameters shared by the completed trials." :
            summary.Counts[TrialState.Complete] < 3 ? "The contour needs at least 3 completed trials." : null);

        var best = trials.Where(t => t.State == TrialState.Complete)
            .OrderBy(t => study.Direction == StudyDirection.Minimize ? t.Value : -t.Value).Take(bestTrials);
        body.Append("<section id=\"best\"><h2>Best trials</h2>\n")
            .Append(StudySummary.TrialTable(best).ToHtml()).Append("\n</section>\n");
        return PlotlyHtml.Page($"Study {study.Name}", Style + body);
    }

    /// <summary>Writes <see cref="Html"/> to <paramref name="path"/>.</summary>
    public static void Write(Study study, string path, string? source = null) => File.WriteAllText(path, Html(study, source));

    static void Section(StringBuilder body, string id, string heading, Func<Figure> plot, string? missing)
    {
        body.Append($"<section id=\"{id}\"><h2>{Encode(heading)}</h2>\n");
        if (missing is null)
        {
            try { body.Append(PlotlyHtml.PageChart(plot())); }
            // What a plot refuses (too few trials, no shared parameter) is said on the page; the other plots still draw.
            catch (Exception e) when (e is InvalidOperationException or ArgumentException) { missing = e.Message; }
        }
        if (missing is not null) body.Append($"<p class=\"nbkit-missing\">Not drawn: {Encode(missing)}</p>\n");
        body.Append("</section>\n");
    }

    static string Encode(string text) => WebUtility.HtmlEncode(text);

    const string Style = """
        <style>
          h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
          .nbkit-missing { color: #555; font-style: italic; }
          .nbkit-table { border-collapse: collapse; font-size: 0.9em; }
          .nbkit-table td, .nbkit-table th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
        </style>

        """;
}
