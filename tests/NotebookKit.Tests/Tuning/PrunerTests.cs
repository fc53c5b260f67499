using System.Text.Json;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class PrunerTests
{
    static readonly JsonElement Optuna = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/pruners_optuna.json"))).RootElement;

    static int?[] Run(IPruner pruner, StudyDirection direction)
    {
        var curves = Optuna.GetProperty("curves").EnumerateArray().Select(c => c.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var study = Study.Create(direction: direction, pruner: pruner);
        var prunedAt = new List<int?>();
        double sign = direction == StudyDirection.Minimize ? 1 : -1;
        foreach (var curve in curves)
        {
            var trial = study.Ask();
            int? stop = null;
            for (int step = 1; step <= 10; step++)
            {
                trial.Report(sign * curve[step - 1], step);
                if (trial.ShouldPrune()) { stop = step; break; }
            }
            if (stop is null) study.Tell(trial, sign * curve[^1]); else study.Tell(trial, TrialState.Pruned);
            prunedAt.Add(stop);
        }
        return prunedAt.ToArray();
    }

    static int?[] Expected(string key) => Optuna.GetProperty(key).EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (int?)null : v.GetInt32()).ToArray();

    [Fact]
    public void MedianPrunerStopsTheSameTrialsAtTheSameStepsAsOptuna()
    {
        Assert.Equal(Expected("median_min"), Run(new MedianPruner(nStartupTrials: 3, nWarmupSteps: 2), StudyDirection.Minimize));
        Assert.Equal(Expected("median_max"), Run(new MedianPruner(nStartupTrials: 3, nWarmupSteps: 2), StudyDirection.Maximize));
    }

    [Fact]
    public void SuccessiveHalvingStopsTheSameTrialsAtTheSameStepsAsOptuna()
    {
        Assert.Equal(Expected("sha_min"), Run(new SuccessiveHalvingPruner(1, 2, 0), StudyDirection.Minimize));
        Assert.Equal(Expected("sha_max_eta3"), Run(new SuccessiveHalvingPruner(1, 3, 1), StudyDirection.Maximize));
    }

    [Fact]
    public void HyperbandSpreadsTrialsOverBracketsInProportionToTheirBudgets()
    {
        var pruner = new HyperbandPruner(minResource: 1, maxResource: 27, reductionFactor: 3);
        Assert.Equal(4, pruner.BracketCount); // ⌊log3 27⌋ + 1
        var counts = new int[4];
        for (int i = 0; i < 4000; i++) counts[pruner.BracketOf(i)]++;
        // Budgets ⌈4·3^(3−s)/(4−s)⌉ = 27, 12, 6, 4 of 49.
        int[] budgets = [27, 12, 6, 4];
        for (int s = 0; s < 4; s++) Assert.InRange(counts[s] / 4000.0, budgets[s] / 49.0 - 0.04, budgets[s] / 49.0 + 0.04);
    }

    [Fact]
    public void HyperbandPrunesOnlyAgainstTrialsOfTheSameBracket()
    {
        var pruner = new HyperbandPruner(1, 9, 3);
        var study = Study.Create(pruner: pruner);
        var prunedIn = new Dictionary<int, int>();
        for (int i = 0; i < 40; i++)
        {
            var t = study.Ask();
            bool pruned = false;
            for (int step = 1; step <= 9 && !pruned; step++) { t.Report(40 - i + 1.0 / step, step); pruned = t.ShouldPrune(); }
            if (pruned) prunedIn[pruner.BracketOf(t.Number)] = prunedIn.GetValueOrDefault(pruner.BracketOf(t.Number)) + 1;
            study.Tell(t, pruned ? TrialState.Pruned : TrialState.Complete, 40 - i);
        }
        // Later trials are always better here, so no trial is ever pruned: each bracket's newcomer beats its rivals.
        Assert.Empty(prunedIn);
        Assert.Throws<ArgumentException>(() => new HyperbandPruner(5, 2));
    }

    [Fact]
    public void PrunedTrialKeepsItsLastIntermediateValue()
    {
        var study = Study.Create(pruner: new MedianPruner(nStartupTrials: 1));
        study.Optimize(t => { t.Report(1.0, 1); return 1.0; }, nTrials: 1);
        study.Optimize(t =>
        {
            t.Report(5.0, 1);
            if (t.ShouldPrune()) throw new TrialPrunedException();
            return 5.0;
        }, nTrials: 1);
        var last = study.GetTrials()[^1];
        Assert.Equal(TrialState.Pruned, last.State);
        Assert.Equal(5.0, last.Value);
    }

    [Fact]
    public void SuccessiveHalvingDecisionsNameTheTrialsThatHadReachedEachRung()
    {
        // Worked by hand, η = 2, maximising, each trial reporting one constant value for 4 steps:
        // trial 0 (0.5) is alone at rungs 1, 2 and 4, so it is promoted each time whatever its value;
        // trial 1 (0.4): 2 values at rung 1, the best 1 goes on (0.5): pruned;
        // trial 2 (0.6): best of 3, then best of 2 at steps 2 and 4: promoted throughout;
        // trial 3 (0.3): 4 values at rung 1, the best 2 go on, bar 0.5: pruned.
        var pruner = new SuccessiveHalvingPruner(minResource: 1, reductionFactor: 2);
        var study = Study.Create(direction: StudyDirection.Maximize, pruner: pruner);
        foreach (double value in new[] { 0.5, 0.4, 0.6, 0.3 })
            study.Optimize(t =>
            {
                for (int step = 1; step <= 4; step++)
                {
                    t.Report(value, step);
                    if (t.ShouldPrune()) throw new TrialPrunedException();
                }
                return value;
            }, nTrials: 1);
        Assert.Equal(new[] { TrialState.Complete, TrialState.Pruned, TrialState.Complete, TrialState.Pruned },
            study.GetTrials().Select(t => t.State));
        var first = pruner.Decisions(study, 0);
        Assert.Equal(new long[] { 1, 2, 4 }, first.Select(d => d.Step));
        Assert.All(first, d => Assert.True(d.Reached == 1 && d.Promoted));
        Assert.Equal(new RungDecision(0, 1, 0.4, 2, 1, 0.5, false), Assert.Single(pruner.Decisions(study, 1)));
        Assert.Equal(new[] { 3, 2, 2 }, pruner.Decisions(study, 2).Select(d => d.Reached));
        Assert.Equal(new RungDecision(0, 1, 0.3, 4, 2, 0.5, false), Assert.Single(pruner.Decisions(study, 3)));
        Assert.Throws<ArgumentException>(() => pruner.Decisions(study, 9));
    }
}
