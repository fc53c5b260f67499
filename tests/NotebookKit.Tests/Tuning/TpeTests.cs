using System.Text.Json;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class TpeTests
{
    static readonly JsonElement Optuna = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/tpe_optuna.json"))).RootElement;

    static double[] Values(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    static Distribution ToDistribution(JsonElement p) => p.GetProperty("type").GetString() switch
    {
        "float" => new FloatDistribution(p.GetProperty("low").GetDouble(), p.GetProperty("high").GetDouble(), p.GetProperty("log").GetBoolean(),
            p.GetProperty("step").ValueKind == JsonValueKind.Null ? null : p.GetProperty("step").GetDouble()),
        "int" => new IntDistribution(p.GetProperty("low").GetInt32(), p.GetProperty("high").GetInt32(), p.GetProperty("log").GetBoolean(), p.GetProperty("step").GetInt32()),
        _ => new CategoricalDistribution(Enumerable.Range(0, p.GetProperty("choices").GetInt32()).Select(i => (object?)$"c{i}")),
    };

    static void Close(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual} vs Optuna {expected}");

    [Fact]
    public void GammaAndWeightsAreOptunasDefaults()
    {
        foreach (var pair in Optuna.GetProperty("gamma").EnumerateArray())
            Assert.Equal(pair[1].GetInt32(), TpeSampler.DefaultGamma(pair[0].GetInt32()));
        foreach (var pair in Optuna.GetProperty("weights").EnumerateArray())
        {
            var expected = Values(pair[1]); var actual = TpeSampler.DefaultWeights(pair[0].GetInt32());
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], 1e-14, $"weight {i} of {expected.Length}");
        }
    }

    public static TheoryData<string> Cases() => [.. Optuna.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParzenEstimatorMatchesOptunas(string name)
    {
        var c = Optuna.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var distributions = c.GetProperty("params").EnumerateArray().Select(ToDistribution).ToArray();
        var options = new ParzenEstimatorOptions
        {
            Multivariate = c.GetProperty("multivariate").GetBoolean(),
            ConsiderMagicClip = c.GetProperty("magic_clip").GetBoolean(),
            ConsiderEndpoints = c.GetProperty("endpoints").GetBoolean(),
            NormalizeComponents = true,
        };
        var observations = c.GetProperty("observations").EnumerateArray().Select(Values).ToArray();
        var estimator = new ParzenEstimator(distributions, observations, options);
        var weights = Values(c.GetProperty("weights"));
        for (int i = 0; i < weights.Length; i++) Close(weights[i], estimator.Weights[i], 1e-13, $"component weight {i}");
        for (int j = 0; j < distributions.Length; j++)
        {
            if (c.GetProperty("mus")[j].ValueKind != JsonValueKind.Null)
            {
                var mus = Values(c.GetProperty("mus")[j]); var sigmas = Values(c.GetProperty("sigmas")[j]);
                for (int i = 0; i < mus.Length; i++)
                {
                    Close(mus[i], estimator.Mus[j]![i], 1e-13, $"param {j} mu {i}");
                    Close(sigmas[i], estimator.Sigmas[j]![i], 1e-13, $"param {j} sigma {i}");
                }
            }
            else
            {
                var rows = c.GetProperty("categorical_weights")[j].EnumerateArray().Select(Values).ToArray();
                for (int i = 0; i < rows.Length; i++)
                    for (int k = 0; k < rows[i].Length; k++) Close(rows[i][k], estimator.CategoryWeights[j]![i][k], 1e-13, $"param {j} component {i} choice {k}");
            }
        }
        var expected = Values(c.GetProperty("log_pdf"));
        var actual = estimator.LogPdf(c.GetProperty("samples").EnumerateArray().Select(Values).ToArray());
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], 1e-10, $"log pdf at sample {i}");
        // Optuna 3.1's scale-free components (no −log σ), as the generator computes them and checks against Optuna's own.
        var scaleFree = new ParzenEstimator(distributions, observations, options with { NormalizeComponents = false })
            .LogPdf(c.GetProperty("samples").EnumerateArray().Select(Values).ToArray());
        expected = Values(c.GetProperty("log_pdf_scale_free"));
        for (int i = 0; i < expected.Length; i++) Close(expected[i], scaleFree[i], 1e-10, $"scale-free log pdf at sample {i}");
    }

    [Fact]
    public void SamplesStayInsideEveryKindOfDistribution()
    {
        var distributions = new Distribution[]
        {
            new FloatDistribution(-2, 3), new FloatDistribution(1e-5, 1, log: true), new FloatDistribution(0, 1, step: 0.25),
            new IntDistribution(1, 9, step: 2), new IntDistribution(1, 512, log: true), new CategoricalDistribution(["a", "b", "c"]),
        };
        var random = new Random(3);
        var observations = Enumerable.Range(0, 20).Select(_ => distributions.Select(d => RandomSampler.Sample(d, random)).ToArray()).ToArray();
        foreach (bool multivariate in new[] { false, true })
        {
            var estimator = new ParzenEstimator(distributions, observations, new ParzenEstimatorOptions { Multivariate = multivariate });
            var samples = estimator.Sample(new Random(4), 2000);
            foreach (var row in samples)
                for (int j = 0; j < distributions.Length; j++) Assert.True(distributions[j].Contains(row[j]), $"{row[j]} outside {distributions[j]}");
            Assert.All(estimator.LogPdf(samples), v => Assert.True(double.IsFinite(v)));
        }
    }

    [Fact]
    public void DrawsFollowTheMixtureItDescribes()
    {
        // One observation at 0.2 on [0, 1] plus the prior: a sample histogram must match the log density the estimator reports.
        var estimator = new ParzenEstimator([new FloatDistribution(0, 1)], [[0.2]], new ParzenEstimatorOptions { NormalizeComponents = true });
        var samples = estimator.Sample(new Random(5), 40_000);
        for (int bin = 0; bin < 10; bin++)
        {
            double share = samples.Count(r => r[0] >= bin / 10.0 && r[0] < (bin + 1) / 10.0) / 40_000.0;
            var grid = Enumerable.Range(0, 200).Select(i => new[] { bin / 10.0 + (i + 0.5) / 2000.0 }).ToArray();
            double mass = estimator.LogPdf(grid).Sum(Math.Exp) / 2000.0;
            Assert.True(Math.Abs(share - mass) < 0.01, $"bin {bin}: sampled {share:F4}, density integrates to {mass:F4}");
        }
    }

    [Fact]
    public void TpeBeatsRandomSearchAtTheSameBudget()
    {
        // Branin-like 2-D bowl with a narrow minimum: median best over 7 seeds at 60 trials.
        static double F(Trial t) { double x = t.SuggestFloat("x", -5, 5), y = t.SuggestFloat("y", -5, 5); return (x - 1.3) * (x - 1.3) + 4 * (y + 0.7) * (y + 0.7); }
        double Median(Func<int, ISampler> make) => Enumerable.Range(0, 7).Select(seed =>
        {
            var study = Study.Create(sampler: make(seed));
            study.Optimize(F, nTrials: 60);
            return study.BestValue;
        }).Order().ElementAt(3);
        double tpe = Median(s => new TpeSampler(seed: s)), random = Median(s => new RandomSampler(s)), multivariate = Median(s => new TpeSampler(seed: s, multivariate: true));
        Assert.True(tpe < random / 3, $"TPE {tpe} vs random {random}");
        Assert.True(multivariate < random / 3, $"multivariate TPE {multivariate} vs random {random}");
    }

    [Theory]
    [InlineData(StudyDirection.Minimize, false, new[] { 0, 2, 5, 7 }, new[] { 1, 3, 6 })]
    [InlineData(StudyDirection.Minimize, true, new[] { 0, 2, 5, 7 }, new[] { 1, 3, 4, 6 })]
    [InlineData(StudyDirection.Maximize, false, new[] { 0, 2, 3, 5 }, new[] { 1, 6, 7 })]
    public void TrialsSplitAsOptunaRanksThem(StudyDirection direction, bool constantLiar, int[] below, int[] above)
    {
        // Completed trials rank by value; pruned ones after them, those pruned at a later step first, then by the value
        // there; a pruned trial without reports after those; running trials last (only as constant liars); failed never.
        static FrozenTrial T(int n, TrialState state, double? value = null, params (int Step, double Value)[] reports) =>
            new() { Number = n, State = state, Value = value, IntermediateValues = new(reports.ToDictionary(r => r.Step, r => r.Value)) };
        var trials = new[]
        {
            T(0, TrialState.Complete, 5.0), T(1, TrialState.Pruned, null, (0, 0.1)), T(2, TrialState.Complete, 1.0),
            T(3, TrialState.Pruned, null, (0, 9.0), (3, 2.0)), T(4, TrialState.Running), T(5, TrialState.Complete, 3.0),
            T(6, TrialState.Pruned), T(7, TrialState.Pruned, null, (3, 1.5)), T(8, TrialState.Failed),
        };
        var split = TpeSampler.Split(trials, direction, constantLiar, _ => 4);
        Assert.Equal(7, split.Finished);
        Assert.Equal(below, split.Below.Select(t => t.Number));
        Assert.Equal(above, split.Above.Select(t => t.Number));
    }

    [Fact]
    public void WhenMaximisingProposalsGatherAroundTheMaximum()
    {
        // f peaks at x = 0.3 on [0, 1]; uniform proposals sit 0.29 from it on average, and proposals chasing the
        // minimum instead (a sign slip) about 0.5 (measured over 5 seeds: 0.50-0.55; TPE as it should: 0.11-0.16).
        var study = Study.Create(direction: StudyDirection.Maximize, sampler: new TpeSampler(seed: 0));
        study.Optimize(t => -Math.Pow(t.SuggestFloat("x", 0, 1) - 0.3, 2), nTrials: 40);
        double distance = study.GetTrials().Skip(20).Average(t => Math.Abs((double)t.Params["x"] - 0.3));
        Assert.True(distance < 0.2, $"mean distance of trials 20-39 from the maximum: {distance}");
    }

    [Fact]
    public void ParametersWithOneValueTakeItWithoutTheSampler()
    {
        foreach (bool multivariate in new[] { false, true })
        {
            var study = Study.Create(sampler: new TpeSampler(seed: 1, nStartupTrials: 3, multivariate: multivariate));
            study.Optimize(t => t.SuggestFloat("x", 0, 1) + t.SuggestFloat("fixed", 2, 2) + t.SuggestFloat("lr", 0.1, 0.1, log: true)
                + t.SuggestInt("n", 4, 4) + (t.SuggestCategorical("only", "one") == "one" ? 0 : 1), nTrials: 12);
            Assert.All(study.GetTrials(), t => Assert.Equal(TrialState.Complete, t.State));
            Assert.All(study.GetTrials(), t => Assert.Equal(2.0, t.Params["fixed"]));
            Assert.All(study.GetTrials(), t => Assert.Equal(4, t.Params["n"]));
        }
    }

    [Fact]
    public void SeededTpeRepeatsItselfAndRespectsTypes()
    {
        object[][] Run()
        {
            var study = Study.Create(direction: StudyDirection.Maximize, sampler: new TpeSampler(seed: 8, nStartupTrials: 5));
            study.Optimize(t =>
            {
                int layers = t.SuggestInt("layers", 1, 6);
                string act = t.SuggestCategorical("act", "relu", "tanh");
                // Conditional: only tanh networks have a slope parameter.
                double slope = act == "tanh" ? t.SuggestFloat("slope", 0.1, 10, log: true) : 1;
                return -Math.Abs(layers - 4) - Math.Abs(Math.Log(slope)) + (act == "tanh" ? 0.5 : 0);
            }, nTrials: 30);
            Assert.All(study.GetTrials(), t => Assert.IsType<int>(t.Params["layers"]));
            return study.GetTrials().Select(t => t.Params.OrderBy(p => p.Key).Select(p => p.Value).ToArray()).ToArray();
        }
        var a = Run(); var b = Run();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]);
    }

    [Fact]
    public void PrunedTrialsCountAndParallelWorkersRun()
    {
        var study = Study.Create(sampler: new TpeSampler(seed: 2, nStartupTrials: 4, constantLiar: true), pruner: new MedianPruner(nStartupTrials: 3));
        study.Optimize(t =>
        {
            double x = t.SuggestFloat("x", 0, 1);
            for (int step = 0; step < 5; step++)
            {
                t.Report((x - 0.6) * (x - 0.6) + 1.0 / (step + 1), step);
                if (t.ShouldPrune()) throw new TrialPrunedException();
            }
            return (x - 0.6) * (x - 0.6);
        }, nTrials: 40, parallelism: 2);
        Assert.Equal(40, study.GetTrials().Count);
        Assert.Contains(study.GetTrials(), t => t.State == TrialState.Pruned);
        Assert.True(Math.Abs((double)study.BestParams["x"] - 0.6) < 0.1, $"best x {study.BestParams["x"]}");
    }

    [Fact]
    public void BadSettingsAreRejectedWithAClearMessage()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TpeSampler(nEiCandidates: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TpeSampler(priorWeight: double.NaN));
        var e = Assert.Throws<ArgumentException>(() => new ParzenEstimator([new FloatDistribution(0, 1)], [[1.5]]));
        Assert.Contains("1.5", e.Message);
        Assert.Throws<ArgumentException>(() => new ParzenEstimator([new FloatDistribution(0, 1)], [[0.5]], new ParzenEstimatorOptions { Weights = _ => [-1.0] }));
        Assert.Contains("-0.5", Assert.Throws<ArgumentException>(() => new ParzenEstimator([new FloatDistribution(0, 1)], [[0.5]]).LogPdf([[-0.5]])).Message);
    }
}
