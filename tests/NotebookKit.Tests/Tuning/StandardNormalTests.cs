using System.Text.Json;
using NotebookKit.Tuning;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Tuning;

/// <summary>The log-space normal tails stay correct while the garbage collector runs beside them.</summary>
public class StandardNormalTests
{
    [Fact]
    public async Task Log_h_in_the_tail_survives_garbage_collections_on_another_thread()
    {
        // Seen in GP studies of 60 floats before the kit held its Scalars.
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/log_ei_mpmath.json"))).RootElement;
        var z = doc.GetProperty("z").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expected = doc.GetProperty("log_h").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        await Collector.WhileCollecting(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                using var scope = NewDisposeScope();
                var logH = GaussianProcess.LogH(tensor(z, float64)).data<double>().ToArray();
                for (int k = 0; k < z.Length; k++) Assert.Equal(expected[k], logH[k], Math.Abs(expected[k]) * 1e-9 + 1e-9);
            }
        });
    }

    [Theory]
    [InlineData("gp")]
    [InlineData("tpe")]
    public async Task A_study_survives_garbage_collections_on_another_thread(string kind)
    {
        // Floats, a log float, an integer and a categorical: every tensor path of the GP's and TPE's suggestions.
        static double Objective(Trial t) => Math.Pow(t.SuggestFloat("x", -2, 2) - 0.5, 2) + Math.Pow(Math.Log10(t.SuggestFloat("lr", 1e-4, 1, log: true)) + 2, 2)
            + Math.Abs(t.SuggestInt("n", 1, 9) - 4) + (t.SuggestCategorical("act", ["relu", "tanh", "gelu"]) == "tanh" ? 0 : 1);
        ISampler sampler = kind == "gp" ? new GpSampler(seed: 11, nStartupTrials: 4, nCandidates: 256, nLocalSearch: 4) : new TpeSampler(seed: 11, nStartupTrials: 4);
        var study = Study.Create(sampler: sampler);
        await Collector.WhileCollecting(() => study.Optimize(Objective, nTrials: kind == "gp" ? 12 : 25));
        Assert.All(study.GetTrials(), t => Assert.Equal(TrialState.Complete, t.State));
    }
}
