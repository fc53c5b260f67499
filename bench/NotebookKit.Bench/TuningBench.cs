using System.Diagnostics;
using System.Globalization;
using NotebookKit.Tuning;

namespace NotebookKit.Bench;

/// <summary>
/// Simple regret of the samplers on Branin (30 trials) and Hartmann-6 (100 trials) over 20 seeds, beside Optuna 3.1's
/// TPE and random samplers (bench/anchors/tuning.py) run in the same go; plus the GP's suggestion time at 100
/// observations. Regret = best value found − known minimum; the table reports the median over seeds.
/// </summary>
public sealed class TuningBench : IBenchmarkGroup
{
    public string Name => "tuning";

    public const double BraninMinimum = 0.397887357729738;
    public const double HartmannMinimum = -3.32236801141551;

    public static double Branin(double x1, double x2)
    {
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        return Math.Pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.Cos(x1) + 10;
    }

    static readonly double[] HAlpha = [1.0, 1.2, 3.0, 3.2];
    static readonly double[,] HA = { { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 } };
    static readonly double[,] HP = { { 1312, 1696, 5569, 124, 8283, 5886 }, { 2329, 4135, 8307, 3736, 1004, 9991 }, { 2348, 1451, 3522, 2883, 3047, 6650 }, { 4047, 8828, 8732, 5743, 1091, 381 } };

    public static double Hartmann6(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            double inner = 0;
            for (int j = 0; j < 6; j++) inner += HA[i, j] * Math.Pow(x[j] - HP[i, j] * 1e-4, 2);
            sum += HAlpha[i] * Math.Exp(-inner);
        }
        return -sum;
    }

    public static double BraninObjective(Trial t) => Branin(t.SuggestFloat("x1", -5, 10), t.SuggestFloat("x2", 0, 15));
    public static double HartmannObjective(Trial t) => Hartmann6(Enumerable.Range(0, 6).Select(i => t.SuggestFloat($"x{i}", 0, 1)).ToArray());

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        int seeds = options.Quick ? 5 : 20;
        var anchor = Measure.PythonAnchor(options, "tuning.py", seeds.ToString(CultureInfo.InvariantCulture));
        var problems = new (string Name, Func<Trial, double> Objective, double Minimum, int Budget, Func<GridSampler> Grid)[]
        {
            ("branin", BraninObjective, BraninMinimum, 30, () => new GridSampler(new Dictionary<string, IEnumerable<object?>>
            {
                ["x1"] = Enumerable.Range(0, 6).Select(i => (object?)(-5 + 15.0 * (i + 0.5) / 6)),
                ["x2"] = Enumerable.Range(0, 5).Select(i => (object?)(15.0 * (i + 0.5) / 5)),
            })),
            ("hartmann6", HartmannObjective, HartmannMinimum, 100, () => new GridSampler(
                Enumerable.Range(0, 6).ToDictionary(i => $"x{i}", i => (IEnumerable<object?>)new object?[] { 0.25, 0.75 }))),
        };
        foreach (var (name, objective, minimum, budget, grid) in problems)
        {
            var samplers = new (string Label, Func<int, ISampler> Make)[]
            {
                ("random", s => new RandomSampler(s)),
                ("grid", s => grid()),
                ("tpe", s => new TpeSampler(seed: s)),
                ("tpe multivariate", s => new TpeSampler(seed: s, multivariate: true)),
                ("gp", s => new GpSampler(seed: s, nStartupTrials: name == "branin" ? 5 : 10, deterministicObjective: true)),
            };
            foreach (var (label, make) in samplers)
            {
                var regrets = new List<double>();
                var clock = Stopwatch.StartNew();
                var suggestTimes = new List<double>();
                int runs = label == "grid" ? 1 : seeds;
                for (int seed = 0; seed < runs; seed++)
                {
                    var sampler = make(seed);
                    var study = Study.Create(direction: StudyDirection.Minimize, sampler: sampler);
                    study.Optimize(objective, nTrials: budget, callback: (st, t) =>
                    {
                        if (sampler is GpSampler gp && t.Number >= 100) suggestTimes.Add(gp.LastSuggestSeconds);
                    });
                    if (sampler is GpSampler g && name == "hartmann6")
                    {
                        // Suggestion time at 100 observations: one more trial after the budget.
                        var trial = study.Ask();
                        suggestTimes.Add(g.LastSuggestSeconds);
                        study.Tell(trial, objective(trial));
                    }
                    regrets.Add(study.GetTrials(TrialState.Complete).Take(budget).Min(t => t.Value!.Value) - minimum);
                }
                double kitSeconds = clock.Elapsed.TotalSeconds / runs;
                double median = Median(regrets);
                string key = name + "_";
                double tpe = anchor[key + "tpe_regret"], rnd = anchor[key + "random_regret"];
                string note = $"median regret@{budget} {Fmt(median)} (IQR {Fmt(Quantile(regrets, 0.25))}-{Fmt(Quantile(regrets, 0.75))}); " +
                    $"Optuna TPE {Fmt(tpe)}, Optuna random {Fmt(rnd)}; TPE/kit {Fmt(tpe / Math.Max(median, 1e-12))}x; {runs} seed(s)";
                if (suggestTimes.Count > 0) note += $"; GP suggestion at 100 obs median {suggestTimes.Order().ElementAt(suggestTimes.Count / 2) * 1e3:0} ms";
                yield return new BenchResult($"{name} {label}", kitSeconds, anchor[key + "tpe_seconds"], "Optuna 3.1 TPE (s per study)", note);
            }
        }
    }

    static string Fmt(double v) => v.ToString(v != 0 && Math.Abs(v) < 1e-3 ? "0.##e+0" : "0.####", CultureInfo.InvariantCulture);
    static double Median(IReadOnlyList<double> v) => Quantile(v, 0.5);
    static double Quantile(IReadOnlyList<double> values, double q)
    {
        var s = values.Order().ToArray();
        double rank = q * (s.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }
}
