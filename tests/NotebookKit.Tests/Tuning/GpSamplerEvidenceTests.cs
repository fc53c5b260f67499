using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

/// <summary>What the GP sampler learns from pruned trials, and how it stays useful in large encoded spaces.</summary>
public class GpSamplerEvidenceTests
{
    static string Key(FrozenTrial t) => string.Join(";", t.InternalParams.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value:R}"));

    // Minimise (x − 15)² + (y − 15)² over integers 0..20; a trial whose first report is above 60 prunes itself,
    // as a successive-halving pruner would: most of the space is pruned, and only the region near the optimum completes.
    static double PrunedMostly(Trial t)
    {
        int x = t.SuggestInt("x", 0, 20), y = t.SuggestInt("y", 0, 20);
        double f = (x - 15) * (x - 15) + (y - 15) * (y - 15);
        t.Report(f, 1);
        if (f > 60) throw new TrialPrunedException("worse than 60 at step 1");
        return f;
    }

    [Fact]
    public void A_study_where_pruned_trials_dominate_leaves_the_random_start_and_never_repeats_parameters()
    {
        var sampler = new GpSampler(seed: 4, nStartupTrials: 6, nCandidates: 256);
        var study = Study.Create(sampler: sampler);
        study.Optimize(PrunedMostly, nTrials: 30);
        var trials = study.GetTrials();
        // The startup trials were mostly pruned: the GP has to count them to start at all.
        Assert.True(trials.Take(6).Count(t => t.State == TrialState.Pruned) >= 4, "the random start should be mostly pruned");
        Assert.NotNull(sampler.Last);
        Assert.Equal(trials.Count, trials.Select(Key).Distinct().Count());
        // Pruned trials are evidence: the GP moves towards the optimum (15, 15) rather than sampling at random.
        Assert.True(study.BestValue <= 2, $"best {study.BestValue}");
    }

    [Fact]
    public void A_pruned_trial_enters_the_model_no_better_than_the_worst_completed_trial()
    {
        var sampler = new GpSampler(seed: 5, nStartupTrials: 3, nCandidates: 64, nLocalSearch: 0);
        var study = Study.Create(direction: StudyDirection.Maximize, sampler: sampler);
        foreach (var (x, value, pruned) in new[] { (0.1, 0.5, false), (0.5, 0.9, false), (0.9, 0.95, true) })
        {
            study.Enqueue(new Dictionary<string, object?> { ["x"] = x });
            var trial = study.Ask();
            trial.SuggestFloat("x", 0, 1);
            trial.Report(value, 1);
            study.Tell(trial, pruned ? TrialState.Pruned : TrialState.Complete, pruned ? null : value);
        }
        var observations = sampler.Observations(study, study.GetTrials());
        // Maximising: values are negated. The pruned 0.95 would be the best; it enters at the worst completed, 0.5.
        Assert.Equal(new[] { -0.5, -0.9, -0.5 }, observations.Y);
        Assert.Equal(-0.9, observations.Incumbent);
    }

    [Fact]
    public void A_categorical_with_sixty_choices_works_and_no_choice_is_tried_twice()
    {
        var choices = Enumerable.Range(0, 60).Select(i => $"c{i}").ToArray();
        var sampler = new GpSampler(seed: 6, nStartupTrials: 5, nCandidates: 256);
        var study = Study.Create(sampler: sampler);
        study.Optimize(t => Math.Abs(int.Parse(t.SuggestCategorical("c", choices)[1..]) - 37), nTrials: 20);
        Assert.Equal(60, sampler.Last!.Value.Encoding.Dimensions);
        var picked = study.GetTrials().Select(t => t.InternalParams["c"]).ToArray();
        Assert.Equal(picked.Length, picked.Distinct().Count());
    }

    [Fact]
    public void Fifty_one_float_parameters_work_and_improve_on_the_random_start()
    {
        var sampler = new GpSampler(seed: 7, nStartupTrials: 5, deterministicObjective: true, nCandidates: 256, nLocalSearch: 2);
        var study = Study.Create(sampler: sampler);
        study.Optimize(t => Enumerable.Range(0, 51).Sum(i => Math.Pow(t.SuggestFloat($"x{i:00}", 0, 1) - 0.5, 2)), nTrials: 15);
        Assert.Equal(51, sampler.Last!.Value.Encoding.Dimensions);
        var values = study.GetTrials().Select(t => t.Value!.Value).ToArray();
        Assert.True(values.Skip(5).Min() < values.Take(5).Min(), $"start {values.Take(5).Min()}, GP {values.Skip(5).Min()}");
    }

    [Fact]
    public void Sixty_float_parameters_with_default_settings_work()
    {
        var sampler = new GpSampler(seed: 8, nStartupTrials: 5);
        var study = Study.Create(sampler: sampler);
        study.Optimize(t => Enumerable.Range(0, 60).Sum(i => Math.Pow(t.SuggestFloat($"x{i:00}", 0, 1) - 0.3, 2)), nTrials: 25);
        Assert.Equal(60, sampler.Last!.Value.Encoding.Dimensions);
        var values = study.GetTrials().Select(t => t.Value!.Value).ToArray();
        Assert.True(values.Skip(5).Min() < values.Take(5).Min(), $"start {values.Take(5).Min()}, GP {values.Skip(5).Min()}");
    }
}
