using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NotebookKit.Tuning;
using TorchSharp;

namespace NotebookKit.Bench;

/// <summary>
/// Sampler quality on a broad suite: standard test functions of 2-6 dimensions with known minima (Surjanovic &amp;
/// Bingham's library), 20 seeds, best value after 50 and 100 trials, for the kit's TPE and GP (default settings)
/// beside Optuna 3.1's TPE, run at the same time in a Python process (bench/anchors/suite.py, which also computes
/// regrets, ratios and Mann-Whitney U p-values and writes artifacts/bench/samplers.md). Two functions are held out:
/// they were not looked at while choosing defaults. Options (after the group name):
/// <c>--seeds=N --trials=N --jobs=N</c> (kit studies run in parallel, one libtorch thread each; default 1, beside the
/// Python process), <c>--anchor-jobs=N</c> (Optuna's seeds in N Python processes; default 1), <c>--functions=a,b</c>, <c>--samplers=tpe,gp,...</c> (variants below), and
/// <c>--anchor=file.json</c> to reuse an earlier Optuna run while trying variants (the table is then not "same run"), and
/// <c>--noise=r</c> (Gaussian noise of r x each function's spread on every value, kit samplers only, for <c>suite.py paired</c>).
/// </summary>
public sealed class SamplerSuiteBench : IBenchmarkGroup
{
    public string Name => "samplers";

    sealed record Function(string Name, double[] Low, double[] High, Func<double[], double> F);

    static Function Box(string name, int d, double low, double high, Func<double[], double> f) =>
        new(name, Enumerable.Repeat(low, d).ToArray(), Enumerable.Repeat(high, d).ToArray(), f);

    static readonly double[] HAlpha = [1.0, 1.2, 3.0, 3.2];
    static readonly double[][] H3A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]];
    static readonly double[][] H3P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]];
    static readonly double[][] H6A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
    static readonly double[][] H6P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]];
    static readonly double[] ShekelBeta = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5];
    static readonly double[][] ShekelC = [[4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
        [4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6]];

    static double Hartmann(double[] x, double[][] a, double[][] p) =>
        -Enumerable.Range(0, 4).Sum(i => HAlpha[i] * Math.Exp(-Enumerable.Range(0, x.Length).Sum(j => a[i][j] * Math.Pow(x[j] - p[i][j] * 1e-4, 2))));

    static double Ackley(double[] x) =>
        -20 * Math.Exp(-0.2 * Math.Sqrt(x.Sum(v => v * v) / x.Length)) - Math.Exp(x.Sum(v => Math.Cos(2 * Math.PI * v)) / x.Length) + 20 + Math.E;

    static double Rosenbrock(double[] x) =>
        Enumerable.Range(0, x.Length - 1).Sum(i => 100 * Math.Pow(x[i + 1] - x[i] * x[i], 2) + Math.Pow(x[i] - 1, 2));

    static double Levy(double[] x)
    {
        var w = x.Select(v => 1 + (v - 1) / 4).ToArray();
        double mid = w.Take(w.Length - 1).Sum(wi => (wi - 1) * (wi - 1) * (1 + 10 * Math.Pow(Math.Sin(Math.PI * wi + 1), 2)));
        return Math.Pow(Math.Sin(Math.PI * w[0]), 2) + mid + Math.Pow(w[^1] - 1, 2) * (1 + Math.Pow(Math.Sin(2 * Math.PI * w[^1]), 2));
    }

    static double Griewank(double[] x)
    {
        double product = 1;
        for (int i = 0; i < x.Length; i++) product *= Math.Cos(x[i] / Math.Sqrt(i + 1));
        return x.Sum(v => v * v) / 4000 - product + 1;
    }

    static double Michalewicz(double[] x) => -x.Select((v, i) => Math.Sin(v) * Math.Pow(Math.Sin((i + 1) * v * v / Math.PI), 20)).Sum();

    static double Shekel(double[] x) =>
        -Enumerable.Range(0, 10).Sum(i => 1 / (Enumerable.Range(0, 4).Sum(j => Math.Pow(x[j] - ShekelC[j][i], 2)) + ShekelBeta[i]));

    static double SixHumpCamel(double[] x)
    {
        double a = x[0], b = x[1];
        return (4 - 2.1 * a * a + Math.Pow(a, 4) / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
    }

    static double Powell(double[] x) => Enumerable.Range(0, x.Length / 4).Select(k => 4 * k).Sum(i =>
        Math.Pow(x[i] + 10 * x[i + 1], 2) + 5 * Math.Pow(x[i + 2] - x[i + 3], 2) + Math.Pow(x[i + 1] - 2 * x[i + 2], 4) + 10 * Math.Pow(x[i] - x[i + 3], 4));

    static readonly Function[] Functions =
    [
        new("branin", [-5, 0], [10, 15], x => TuningBench.Branin(x[0], x[1])),
        Box("hartmann3", 3, 0, 1, x => Hartmann(x, H3A, H3P)),
        Box("hartmann6", 6, 0, 1, x => Hartmann(x, H6A, H6P)),
        Box("ackley5", 5, -32.768, 32.768, Ackley),
        Box("rosenbrock4", 4, -5, 10, Rosenbrock),
        Box("levy5", 5, -10, 10, Levy),
        Box("griewank4", 4, -600, 600, Griewank),
        Box("styblinski_tang6", 6, -5, 5, x => 0.5 * x.Sum(v => Math.Pow(v, 4) - 16 * v * v + 5 * v)),
        Box("michalewicz5", 5, 0, Math.PI, Michalewicz),
        Box("shekel4", 4, 0, 10, Shekel),
        // Held out (see suite.py).
        new("six_hump_camel", [-3, -2], [3, 2], SixHumpCamel),
        Box("powell4", 4, -4, 5, Powell),
    ];

    /// <summary>The samplers compared; "tpe" and "gp" are the kit's defaults, the others variants to measure.</summary>
    static readonly Dictionary<string, Func<int, ISampler>> Samplers = new()
    {
        ["tpe"] = s => new TpeSampler(seed: s),
        ["tpe-normalized"] = s => new TpeSampler(seed: s, normalizeComponents: true),
        ["tpe-optuna31"] = s => new TpeSampler(seed: s, normalizeComponents: false), // the default since issue 15
        ["gp"] = s => new GpSampler(seed: s),
        ["gp-deterministic"] = s => new GpSampler(seed: s, deterministicObjective: true),
        ["gp-two-starts"] = s => new GpSampler(seed: s, deterministicObjective: false, tryNoiseFree: true),
        ["gp-fitted-noise"] = s => new GpSampler(seed: s, deterministicObjective: false), // the default until 2026-11-30
    };

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        var cli = Environment.GetCommandLineArgs().Where(a => a.StartsWith("--") && a.Contains('='))
            .ToDictionary(a => a[2..a.IndexOf('=')], a => a[(a.IndexOf('=') + 1)..]);
        string Get(string key, string fallback) => cli.TryGetValue(key, out var v) ? v : fallback;
        int seeds = int.Parse(Get("seeds", options.Quick ? "3" : "20"), CultureInfo.InvariantCulture);
        int trials = int.Parse(Get("trials", "100"), CultureInfo.InvariantCulture);
        int jobs = int.Parse(Get("jobs", "1"), CultureInfo.InvariantCulture);
        double minutes = double.Parse(Get("minutes", "1e9"), CultureInfo.InvariantCulture);
        string tag = cli.TryGetValue("tag", out var t0) ? "-" + t0 : "";
        var names = Get("functions", string.Join(",", Functions.Select(f => f.Name))).Split(',');
        var functions = names.Select(n => Functions.SingleOrDefault(f => f.Name == n)
            ?? throw new ArgumentException($"unknown function {n}; known: {string.Join(", ", Functions.Select(f => f.Name))}")).ToArray();
        var samplers = Get("samplers", "tpe,gp").Split(',');
        foreach (var s in samplers)
            if (!Samplers.ContainsKey(s)) throw new ArgumentException($"unknown sampler {s}; known: {string.Join(", ", Samplers.Keys)}");
        if (trials < 50) throw new ArgumentException("--trials must be at least 50 (the table reports regret at 50 trials too).");
        // --noise=r: each value gets Gaussian noise of r x the function's spread (its standard deviation over 1,000 uniform
        // points); a budget's regret is then the true value of the trial with the best noisy value. No Optuna run: compare
        // kit samplers with `suite.py paired`.
        double noise = double.Parse(Get("noise", "0"), CultureInfo.InvariantCulture);
        if (!(noise >= 0)) throw new ArgumentException($"--noise must be a non-negative multiple of each function's spread, got {noise}.");
        var spread = functions.ToDictionary(f => f.Name, f => noise == 0 ? 0 : Spread(f));

        var outDir = Path.Combine(options.RepoRoot, "artifacts", "bench");
        Directory.CreateDirectory(outDir);
        string anchorPath = Get("anchor", Path.Combine(outDir, $"samplers{tag}-optuna.json"));
        // Optuna runs beside the kit, on the other core, unless an earlier run is reused.
        Environment.SetEnvironmentVariable("SUITE_MINUTES", minutes.ToString(CultureInfo.InvariantCulture)); // suite.py's budget
        Environment.SetEnvironmentVariable("SUITE_JOBS", Get("anchor-jobs", "1"));
        Process? python = cli.ContainsKey("anchor") || noise > 0 ? null : StartPython(options, "optuna", seeds.ToString(CultureInfo.InvariantCulture),
            trials.ToString(CultureInfo.InvariantCulture), string.Join(",", names), anchorPath);

        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        var best = new ConcurrentDictionary<(string Sampler, string Function, int Budget, int Seed), double>();
        var times = new ConcurrentDictionary<(string Sampler, string Function), ConcurrentBag<double>>();
        // Seed by seed, so that a run cut short by --minutes still has whole seeds for every function and sampler. The
        // partitioner hands out one item at a time in order: Parallel.ForEach over an array would give each of the
        // --jobs workers its own contiguous block (seeds 0-9 and 10-19 with 2 jobs), and a cut-short run then had
        // half its seeds incomplete.
        var work = (from seed in Enumerable.Range(0, seeds) from f in functions from s in samplers select (f, s, seed)).ToArray();
        var total = Stopwatch.StartNew();
        int done = 0;
        try
        {
            Parallel.ForEach(Partitioner.Create(work, EnumerablePartitionerOptions.NoBuffering), new ParallelOptions { MaxDegreeOfParallelism = jobs }, item =>
            {
                var (f, s, seed) = item;
                if (total.Elapsed.TotalMinutes > minutes) return;
                var clock = Stopwatch.StartNew();
                var study = Study.Create(direction: StudyDirection.Minimize, sampler: Samplers[s](seed));
                var noiseDraws = SeededRandom.Create(seed, stream: 7);
                var truth = new Dictionary<int, double>(); // Optimize runs the trials one after another
                study.Optimize(t =>
                {
                    double value = f.F(f.Low.Select((lo, i) => t.SuggestFloat($"x{i}", lo, f.High[i])).ToArray());
                    truth[t.Number] = value;
                    return value + spread[f.Name] * noiseDraws.NextGaussian();
                }, nTrials: trials);
                var observed = study.GetTrials().ToArray();
                foreach (int budget in new[] { 50, trials }) best[(s, f.Name, budget, seed)] = truth[observed.Take(budget).MinBy(t => t.Value!.Value)!.Number];
                times.GetOrAdd((s, f.Name), _ => []).Add(clock.Elapsed.TotalSeconds);
                int n = Interlocked.Increment(ref done);
                if (n % Math.Max(1, work.Length / 20) == 0)
                    Console.Error.WriteLine($"samplers: {n}/{work.Length} kit studies, {total.Elapsed.TotalMinutes:0.0} min");
            });
        }
        finally { torch.set_num_threads(threads); }
        int complete = Enumerable.Range(0, seeds + 1).Last(k => Enumerable.Range(0, k).All(seed =>
            functions.All(f => samplers.All(s => best.ContainsKey((s, f.Name, trials, seed))))));
        if (complete < seeds) Console.Error.WriteLine($"samplers: --minutes={minutes} reached; {complete} of {seeds} seeds complete");
        if (complete < 2) throw new InvalidOperationException("fewer than 2 complete seeds: nothing to compare");
        var seconds = times.ToDictionary(p => p.Key, p => p.Value.Average()); // per study

        // What the kit's definitions give at probe points: suite.py checks its own definitions agree.
        var probes = functions.ToDictionary(f => f.Name, f => new[] { 0.1, 0.37, 0.82 }.Select(u =>
        {
            var x = f.Low.Select((lo, i) => lo + (u + 0.05 * i) % 1 * (f.High[i] - lo)).ToArray();
            return new object[] { x, f.F(x) };
        }).ToArray());
        var kitPath = Path.Combine(outDir, $"samplers{tag}-kit.json");
        var budgets = new[] { 50, trials }.Distinct().ToArray();
        File.WriteAllText(kitPath, JsonSerializer.Serialize(new
        {
            seeds = complete,
            probes,
            best = samplers.ToDictionary(s => s, s => functions.ToDictionary(f => f.Name, f => budgets.ToDictionary(
                b => b.ToString(CultureInfo.InvariantCulture), b => Enumerable.Range(0, complete).Select(seed => best[(s, f.Name, b, seed)]).ToArray()))),
            seconds = samplers.ToDictionary(s => s, s => functions.ToDictionary(f => f.Name, f => seconds[(s, f.Name)])),
        }));
        if (noise > 0)
        {
            Console.WriteLine($"--noise={noise}: kit studies only, in {kitPath}; compare samplers with suite.py paired");
            yield break;
        }
        if (python is not null) Finish(python, "suite.py optuna");
        var mdPath = Path.Combine(outDir, $"samplers{tag}.md");
        using (var statsRun = StartPython(options, "stats", kitPath, anchorPath, mdPath)) Finish(statsRun, "suite.py stats", echo: true);

        var anchorSeconds = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(anchorPath)).GetProperty("seconds");
        foreach (var s in samplers)
            foreach (var f in functions)
                yield return new BenchResult($"{f.Name}, kit {s} ({trials} trials)", seconds[(s, f.Name)],
                    anchorSeconds.GetProperty(f.Name).GetDouble(), "Optuna 3.1 TPE (s per study)", $"regrets in {Path.GetRelativePath(options.RepoRoot, mdPath)}");
    }

    /// <summary>The function's standard deviation over 1,000 uniform points of its box (a fixed stream).</summary>
    static double Spread(Function f)
    {
        var random = SeededRandom.Create(0, stream: 8);
        var values = Enumerable.Range(0, 1000).Select(_ => f.F(f.Low.Select((lo, i) => lo + random.NextDouble() * (f.High[i] - lo)).ToArray())).ToArray();
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    static Process StartPython(BenchOptions options, params string[] args)
    {
        // Same niceness as this process (run.sh's caller chooses it), so Optuna and the kit share the cores fairly.
        var start = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args.Prepend(Path.Combine(options.RepoRoot, "bench", "anchors", "suite.py"))) start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
    }

    static void Finish(Process process, string what, bool echo = false)
    {
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (echo) Console.WriteLine(output);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{what} failed with exit code {process.ExitCode}");
    }
}
