using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class StudyTests
{
    [Fact]
    public void BestTrialIsTheLowestWhenMinimisingAndTheHighestWhenMaximising()
    {
        foreach (var direction in new[] { StudyDirection.Minimize, StudyDirection.Maximize })
        {
            var study = Study.Create(direction: direction, sampler: new RandomSampler(0));
            study.Optimize(t => t.SuggestFloat("x", -1, 1), nTrials: 20);
            var values = study.GetTrials().Select(t => t.Value!.Value).ToArray();
            Assert.Equal(direction == StudyDirection.Minimize ? values.Min() : values.Max(), study.BestValue);
            Assert.Equal(study.BestValue, (double)study.BestParams["x"]);
        }
    }

    [Fact]
    public void ConditionalSpacesFollowFromDefineByRun()
    {
        var study = Study.Create(sampler: new RandomSampler(3));
        study.Optimize(t =>
        {
            string kind = t.SuggestCategorical("kind", "linear", "mlp");
            return kind == "mlp" ? t.SuggestInt("width", 4, 64, log: true) : 1.0;
        }, nTrials: 30);
        foreach (var t in study.GetTrials())
            Assert.Equal((string)t.Params["kind"] == "mlp", t.Params.ContainsKey("width"));
        Assert.Contains(study.GetTrials(), t => t.Params.ContainsKey("width"));
    }

    [Fact]
    public void AskingAParameterAgainReturnsTheSameValueButAnotherRangeIsAnError()
    {
        var study = Study.Create();
        var trial = study.Ask();
        double x = trial.SuggestFloat("x", 0, 1);
        Assert.Equal(x, trial.SuggestFloat("x", 0, 1));
        var e = Assert.Throws<ArgumentException>(() => trial.SuggestFloat("x", 0, 2));
        Assert.Contains("'x'", e.Message);
        Assert.Throws<ArgumentException>(() => trial.SuggestInt("x", 0, 1));
    }

    [Theory]
    [InlineData(2.0, 1.0, false)]
    [InlineData(0.0, 1.0, true)]
    [InlineData(-1.0, 1.0, true)]
    [InlineData(double.NaN, 1.0, false)]
    public void BadRangesAreRejectedBeforeAnythingIsStored(double low, double high, bool log)
    {
        var study = Study.Create();
        var trial = study.Ask();
        Assert.Throws<ArgumentException>(() => trial.SuggestFloat("x", low, high, log));
        Assert.Empty(trial.Params);
        Assert.Throws<ArgumentException>(() => trial.SuggestInt("n", 5, 4));
        Assert.Throws<ArgumentException>(() => trial.SuggestCategorical<string>("c"));
        Assert.Throws<ArgumentException>(() => trial.SuggestFloat("s", 0, 1, log: true, step: 0.1));
    }

    [Fact]
    public void NaNObjectiveFailsTheTrialWithoutCorruptingTheStudy()
    {
        var study = Study.Create(sampler: new RandomSampler(0));
        int n = 0;
        study.Optimize(t => { t.SuggestFloat("x", 0, 1); return n++ == 1 ? double.NaN : n; }, nTrials: 4);
        var trials = study.GetTrials();
        Assert.Equal(TrialState.Failed, trials[1].State);
        Assert.Contains("NaN", trials[1].Error);
        Assert.Equal(3, study.GetTrials(TrialState.Complete).Count);
        Assert.Equal(1, study.BestValue);
    }

    [Fact]
    public void AThrowingObjectiveIsRecordedFailedWithItsExceptionAndRethrownUnlessCaught()
    {
        var study = Study.Create();
        var boom = new InvalidOperationException("boom");
        var e = Assert.Throws<TrialFailedException>(() => study.Optimize(_ => throw boom, nTrials: 3));
        Assert.Same(boom, e.InnerException);
        var failed = Assert.Single(study.GetTrials());
        Assert.Equal(TrialState.Failed, failed.State);
        Assert.Same(boom, failed.Exception);
        study.Optimize(_ => throw boom, nTrials: 3, catchExceptions: true);
        Assert.Equal(4, study.GetTrials(TrialState.Failed).Count);
        Assert.Throws<InvalidOperationException>(() => study.BestTrial);
    }

    [Fact]
    public void EnqueuedParametersAreUsedFirstAndValidated()
    {
        var study = Study.Create(sampler: new RandomSampler(0));
        study.Enqueue(new Dictionary<string, object?> { ["lr"] = 0.01, ["opt"] = "sgd" });
        study.Optimize(t => t.SuggestFloat("lr", 1e-4, 1, log: true) + (t.SuggestCategorical("opt", "adam", "sgd") == "sgd" ? 1 : 0), nTrials: 2);
        var first = study.GetTrials()[0];
        Assert.Equal(0.01, first.Params["lr"]);
        Assert.Equal("sgd", first.Params["opt"]);
        study.Enqueue(new Dictionary<string, object?> { ["lr"] = 5.0 });
        Assert.Throws<TrialFailedException>(() => study.Optimize(t => t.SuggestFloat("lr", 1e-4, 1, log: true), nTrials: 1));
        Assert.Contains("outside", study.GetTrials()[^1].Error);
    }

    [Fact]
    public void ParallelWorkersRunExactlyTheRequestedNumberOfDistinctTrials()
    {
        var study = Study.Create(sampler: new RandomSampler(0));
        study.Optimize(t => { Thread.Sleep(2); return t.SuggestFloat("x", 0, 1); }, nTrials: 40, parallelism: 4);
        var trials = study.GetTrials();
        Assert.Equal(40, trials.Count);
        Assert.Equal(Enumerable.Range(0, 40), trials.Select(t => t.Number));
        Assert.All(trials, t => Assert.Equal(TrialState.Complete, t.State));
    }

    [Fact]
    public void TrialsTableHasOneRowPerTrialAndAColumnPerParameter()
    {
        var study = Study.Create(sampler: new RandomSampler(0));
        study.Optimize(t => t.SuggestFloat("x", 0, 1) + t.SuggestCategorical("c", 1, 2), nTrials: 5);
        var df = study.Trials;
        Assert.Equal(5, df.Rows.Count);
        Assert.Equal(new[] { "number", "state", "value", "duration_s", "params_c", "params_x" }, df.Columns.Select(c => c.Name));
        Assert.Equal((double)study.GetTrials()[3].Params["x"], (double)df["params_x"][3]);
    }

    [Fact]
    public void TimeoutStopsStartingNewTrials()
    {
        var study = Study.Create();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        study.Optimize(t => { Thread.Sleep(20); return t.SuggestFloat("x", 0, 1); }, timeout: TimeSpan.FromMilliseconds(200));
        Assert.InRange(study.GetTrials().Count, 1, 12);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
