using System.Globalization;
using NotebookKit.Display;

namespace NotebookKit.Tuning;

/// <summary>
/// A study at a glance: its trials by state and its best trial, as <c>nbkit study list</c>, <c>show</c> and the
/// study report print them.
/// </summary>
public sealed record StudySummary(string Name, StudyDirection Direction, IReadOnlyDictionary<TrialState, int> Counts, FrozenTrial? Best)
{
    public int Total => Counts.Values.Sum();

    public static StudySummary Of(Study study, IReadOnlyList<FrozenTrial> trials)
    {
        var counts = Enum.GetValues<TrialState>().ToDictionary(s => s, s => trials.Count(t => t.State == s));
        var best = trials.Where(t => t.State == TrialState.Complete)
            .Aggregate((FrozenTrial?)null, (b, t) => b is null || study.IsBetter(t.Value!.Value, b.Value!.Value) ? t : b);
        return new StudySummary(study.Name, study.Direction, counts, best);
    }

    /// <summary>"30 complete, 8 pruned, 1 failed, 1 running, 0 waiting".</summary>
    public string CountsText() => string.Join(", ", new[] { TrialState.Complete, TrialState.Pruned, TrialState.Failed, TrialState.Running, TrialState.Waiting }
        .Select(s => $"{Counts[s]} {s.ToString().ToLowerInvariant()}"));

    /// <summary>"0.01234 at trial 17 (lr=0.0031, layers=2)", or "none yet".</summary>
    public string BestText() => Best is null ? "none yet" : $"{Value(Best.Value)} at trial {Best.Number} ({ParamsText(Best)})";

    /// <summary>A trial's parameters as the objective saw them, "name=value" in name order.</summary>
    public static string ParamsText(FrozenTrial trial) => string.Join(", ", trial.InternalParams.Keys.Order(StringComparer.Ordinal)
        .Select(name => $"{name}={ParamText(trial.Distributions[name].ToExternal(trial.InternalParams[name]))}"));

    static string ParamText(object value) => value is double d ? Value(d) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>A value with 6 significant digits, invariant culture; "-" for none.</summary>
    public static string Value(double? v) => v is double d ? d.ToString("G6", CultureInfo.InvariantCulture) : "-";

    /// <summary>One row per trial: number, state, value, duration, parameters (and the error of a failed trial).</summary>
    public static HtmlTable TrialTable(IEnumerable<FrozenTrial> trials, string? caption = null)
    {
        var table = new HtmlTable(["number", "state", "value", "duration", "params"], caption);
        foreach (var t in trials)
            table.AddRow(t.Number, t.State.ToString(), Value(t.Value),
                t.Duration is TimeSpan d ? OptimizeProgress.Duration(d) : t.State == TrialState.Running ? "running" : "-",
                ParamsText(t) + (t.State == TrialState.Failed && t.Error is not null ? $"  [{t.Error}]" : ""));
        return table;
    }
}
