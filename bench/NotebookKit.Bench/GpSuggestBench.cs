using System.Diagnostics;
using NotebookKit.Tuning;
using TorchSharp;

namespace NotebookKit.Bench;

/// <summary>
/// The GP sampler's suggestion time, alone on one thread (torch.set_num_threads(1)): the median over proposals 101-110
/// of Hartmann-6 studies (100 observations), and proposals 31-40 in two spaces wider than the 50 dimensions scrambled
/// Halton covers (60 floats; one categorical with 60 choices). No anchor: the target is 100 ms at 100 observations.
/// </summary>
public sealed class GpSuggestBench : IBenchmarkGroup
{
    public string Name => "tuning-gp";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            int seeds = options.Quick ? 1 : 3;
            var choices = Enumerable.Range(0, 60).Select(i => $"c{i}").ToArray();
            var cases = new (string Name, Func<Trial, double> Objective, int Observations)[]
            {
                ("hartmann6 at 100 observations", TuningBench.HartmannObjective, 100),
                ("60 floats at 30 observations", t => Enumerable.Range(0, 60).Sum(i => Math.Pow(t.SuggestFloat($"x{i:00}", 0, 1) - 0.3, 2)), 30),
                ("60-choice categorical at 30 observations", t => Math.Abs(int.Parse(t.SuggestCategorical("c", choices)[1..]) - 37), 30),
            };
            foreach (var (name, objective, observations) in cases)
            {
                var times = new List<double>();
                var fits = new List<double>();
                var cpu = new List<double>();
                for (int seed = 0; seed < seeds; seed++)
                {
                    var sampler = new GpSampler(seed: seed); // default settings
                    var study = Study.Create(sampler: sampler);
                    study.Optimize(objective, nTrials: observations);
                    // Process CPU time per trial (one libtorch thread; the objective is negligible) is what the proposal
                    // costs alone, even when other processes share the cores and stretch the wall clock.
                    var process = Process.GetCurrentProcess();
                    double before = process.TotalProcessorTime.TotalSeconds;
                    study.Optimize(objective, nTrials: 10, callback: (_, _) =>
                    {
                        times.Add(sampler.LastSuggestSeconds);
                        fits.Add(sampler.LastFitSeconds);
                        process.Refresh();
                        double now = process.TotalProcessorTime.TotalSeconds;
                        cpu.Add(now - before);
                        before = now;
                    });
                }
                double median = times.Order().ElementAt(times.Count / 2);
                yield return new BenchResult($"GP suggestion, {name}", median, null, "-",
                    $"1 thread; median of {times.Count} proposals ({seeds} seed(s)), max {times.Max() * 1e3:0} ms; " +
                    $"hyperparameter fit median {fits.Order().ElementAt(fits.Count / 2) * 1e3:0} ms; " +
                    $"CPU time per trial median {cpu.Order().ElementAt(cpu.Count / 2) * 1e3:0} ms");
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }
}
