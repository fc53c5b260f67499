namespace NotebookKit.Tuning;

/// <summary>
/// Prunes a trial whose best intermediate value so far is worse than the given percentile of the completed trials'
/// values at the same step (Optuna's PercentilePruner; <see cref="MedianPruner"/> is the 50th percentile).
/// Nothing is pruned before <c>nStartupTrials</c> trials completed or before step <c>nWarmupSteps</c>.
/// </summary>
public class PercentilePruner : IPruner
{
    public double Percentile { get; }
    public int NStartupTrials { get; }
    public int NWarmupSteps { get; }
    public int IntervalSteps { get; }

    public PercentilePruner(double percentile, int nStartupTrials = 5, int nWarmupSteps = 0, int intervalSteps = 1)
    {
        if (percentile is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), "Percentile must be in [0, 100].");
        if (nStartupTrials < 0 || nWarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(nStartupTrials), "Startup trials and warm-up steps must be non-negative.");
        if (intervalSteps < 1) throw new ArgumentOutOfRangeException(nameof(intervalSteps), "intervalSteps must be at least 1.");
        (Percentile, NStartupTrials, NWarmupSteps, IntervalSteps) = (percentile, nStartupTrials, nWarmupSteps, intervalSteps);
    }

    public bool Prune(Study study, FrozenTrial trial)
    {
        if (trial.LastStep is not int step || step < NWarmupSteps || (step - NWarmupSteps) % IntervalSteps != 0) return false;
        var completed = study.GetTrials(TrialState.Complete);
        if (completed.Count == 0 || completed.Count < NStartupTrials) return false;
        bool minimize = study.Direction == StudyDirection.Minimize;
        var mine = trial.IntermediateValues.Values.Where(v => !double.IsNaN(v)).ToArray();
        if (mine.Length == 0) return true;
        double best = minimize ? mine.Min() : mine.Max();
        var others = completed.Where(t => t.IntermediateValues.TryGetValue(step, out var v) && !double.IsNaN(v))
            .Select(t => t.IntermediateValues[step]).ToArray();
        if (others.Length == 0) return false;
        double p = Metrics.Score.Percentiles(others, [minimize ? 100 - Percentile : Percentile])[0];
        return minimize ? best > p : best < p;
    }
}

/// <summary>Prunes a trial whose best intermediate value is worse than the median of completed trials at the same step.</summary>
public sealed class MedianPruner(int nStartupTrials = 5, int nWarmupSteps = 0, int intervalSteps = 1)
    : PercentilePruner(50, nStartupTrials, nWarmupSteps, intervalSteps);
