using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tuning;

/// <summary>
/// Bayesian optimisation with a Gaussian process (see <see cref="GaussianProcess"/>) and log expected improvement.
/// After <c>nStartupTrials</c> finished trials (completed or pruned; random until then), each trial: encodes the
/// finished trials in the unit cube (log transform for log parameters, one-hot for categoricals), standardises their
/// values (negated when maximising), fits the GP by MAP (warm-started from the previous fit), scores
/// <c>nCandidates</c> quasi-random points (scrambled Halton up to 50 encoded dimensions, uniform beyond) plus
/// perturbations of the best points by log EI, refines the best <c>nLocalSearch</c> of them with box L-BFGS on log
/// EI's closed-form gradient, and rounds integers/steps (one-hot argmax for categoricals).
/// <para>Pruned trials are evidence: each enters as a penalised observation, at its last reported value or the worst
/// completed value, whichever is worse (pruning said it was not promising; without it a pruned proposal would leave
/// the model unchanged and be proposed again). Running trials of parallel workers enter as "constant liars" at the
/// worst observed value, which pushes concurrent proposals apart. A proposal is never a configuration an earlier
/// trial of the study already has (in any state): the best-scored new point is taken instead; only when every
/// scored and random point has been tried (an exhausted discrete space) does the trial fall back to random sampling.</para>
/// Introduced in 06-bayesian-optimization.
/// </summary>
public sealed class GpSampler : ISampler
{
    readonly Random random;
    readonly RandomSampler fallback;
    GpHyperparameters? previous;

    public int NStartupTrials { get; }
    /// <summary>
    /// Fix the noise at 1e-6 instead of fitting it: the default. On 12 deterministic test functions it had the lower
    /// regret in 146 of 240 seed pairs at 100 trials, and with Gaussian noise of a tenth of each function's spread it
    /// was no worse (63 of 116), while the fitted noise smoothed away multimodal structure (docs/benchmarks.md,
    /// "samplers"). Pass false to fit the noise.
    /// </summary>
    public bool DeterministicObjective { get; }
    public int NCandidates { get; }
    public int NLocalSearch { get; }
    /// <summary>Fit the noise from two starts, the last fit and a noise-free model (see <see cref="GpFitOptions.TryNoiseFree"/>).</summary>
    public bool TryNoiseFree { get; }
    /// <summary>The last fitted model and its encoding, for plots; null before the first fit.</summary>
    public (GaussianProcess Model, SpaceEncoding Encoding)? Last { get; private set; }
    /// <summary>Seconds spent in the last relative sample (fit plus acquisition optimisation).</summary>
    public double LastSuggestSeconds { get; private set; }
    /// <summary>Seconds of <see cref="LastSuggestSeconds"/> spent fitting the GP's hyperparameters.</summary>
    public double LastFitSeconds { get; private set; }

    public GpSampler(int? seed = null, int nStartupTrials = 10, bool deterministicObjective = true, int nCandidates = 2048, int nLocalSearch = 8,
        bool tryNoiseFree = false)
    {
        if (nStartupTrials < 1) throw new ArgumentOutOfRangeException(nameof(nStartupTrials), "Need at least one random startup trial.");
        if (nCandidates < 1 || nLocalSearch < 0) throw new ArgumentOutOfRangeException(nameof(nCandidates), "nCandidates must be positive and nLocalSearch non-negative.");
        random = SeededRandom.Create(seed);
        fallback = new RandomSampler(SeededRandom.Create(seed, stream: 1)); // startup draws: a stream of their own
        (NStartupTrials, DeterministicObjective, NCandidates, NLocalSearch) = (nStartupTrials, deterministicObjective, nCandidates, nLocalSearch);
        TryNoiseFree = tryNoiseFree;
    }

    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(Study study, FrozenTrial trial) =>
        SearchSpace.Intersection(study.GetTrials(TrialState.Complete, TrialState.Pruned), includePruned: true);

    public double SampleIndependent(Study study, FrozenTrial trial, string name, Distribution distribution) =>
        fallback.SampleIndependent(study, trial, name, distribution);

    public IReadOnlyDictionary<string, double> SampleRelative(Study study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> space)
    {
        if (space.Count == 0) return new Dictionary<string, double>();
        var trials = study.GetTrials();
        var encoding = new SpaceEncoding(space);
        var (x, y, incumbent) = Observations(study, trials, encoding);
        if (x.Count < NStartupTrials) return new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        double lie = y.Max();
        var tried = new List<double[]>();
        foreach (var t in trials.Where(t => t.Number != trial.Number))
        {
            var pending = t.PendingParams();
            if (!encoding.Names.All(pending.ContainsKey)) continue;
            tried.Add(encoding.Encode(pending));
            if (t.State != TrialState.Running) continue;
            x.Add(tried[^1]);
            y.Add(lie);
        }
        var result = Suggest(x.ToArray(), y.ToArray(), incumbent, encoding, tried);
        LastSuggestSeconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    /// <summary>
    /// The GP's training data for minimisation: encoded parameters and signed values of completed trials, and of pruned
    /// trials at max(own last value, worst completed value); the incumbent is the best completed value (the best
    /// pruned one while none completed).
    /// </summary>
    internal (List<double[]> X, List<double> Y, double Incumbent) Observations(Study study, IReadOnlyList<FrozenTrial> trials,
        SpaceEncoding? encoding = null)
    {
        encoding ??= new SpaceEncoding(InferRelativeSearchSpace(study, trials[^1]));
        double sign = study.Direction == StudyDirection.Minimize ? 1 : -1;
        var finished = trials.Where(t => t.State is TrialState.Complete or TrialState.Pruned
            && t.Value is double v && double.IsFinite(v) && encoding.Covers(t)).ToArray();
        var completed = finished.Where(t => t.State == TrialState.Complete).Select(t => sign * t.Value!.Value).ToArray();
        double worst = completed.Length > 0 ? completed.Max() : double.NegativeInfinity;
        var x = finished.Select(t => encoding.Encode(t.InternalParams)).ToList();
        var y = finished.Select(t => t.State == TrialState.Complete ? sign * t.Value!.Value : Math.Max(sign * t.Value!.Value, worst)).ToList();
        double incumbent = completed.Length > 0 ? completed.Min() : y.DefaultIfEmpty(double.NaN).Min();
        return (x, y, incumbent);
    }

    /// <summary>Fits the GP to (x, y) (minimisation) and returns the decoded maximiser of log EI among points not in
    /// <paramref name="tried"/>; empty when every point it scored had been tried.</summary>
    internal Dictionary<string, double> Suggest(double[][] x, double[] y, double incumbent, SpaceEncoding encoding,
        IReadOnlyList<double[]>? tried = null)
    {
        var clock = Stopwatch.StartNew();
        var model = GaussianProcess.Fit(x, y, new GpFitOptions { Deterministic = DeterministicObjective, TryNoiseFree = TryNoiseFree, Initial = previous });
        LastFitSeconds = clock.Elapsed.TotalSeconds;
        previous = model.Hyperparameters;
        if (Last is { } old) old.Model.Dispose();
        Last = (model, encoding);
        var best = MaximizeLogEi(model, encoding, x, y, model.StandardiseValue(incumbent), tried ?? []);
        return best is null ? new Dictionary<string, double>() : encoding.Decode(best);
    }

    double[]? MaximizeLogEi(GaussianProcess model, SpaceEncoding encoding, double[][] x, double[] y, double incumbent,
        IReadOnlyList<double[]> tried)
    {
        int d = encoding.Dimensions;
        Func<double[]> unit = d <= Halton.MaxDimensions ? new Halton(d, random).Next : () => Uniform(d);
        var candidates = new List<double[]>(NCandidates + NCandidates / 4);
        for (int i = 0; i < NCandidates; i++) candidates.Add(encoding.FromUnitSample(unit(), random));
        // Local candidates around the best observations: EI's maximum is often a small step from the incumbent.
        var order = Enumerable.Range(0, y.Length).OrderBy(i => y[i]).Take(5).ToArray();
        for (int i = 0; i < NCandidates / 4; i++)
        {
            var c = (double[])x[order[i % order.Length]].Clone();
            double scale = i % 2 == 0 ? 0.1 : 0.01;
            for (int j = 0; j < d; j++) if (encoding.Continuous[j]) c[j] = Math.Clamp(c[j] + scale * random.NextGaussian(), 0, 1);
            candidates.Add(c);
        }
        double[] scores;
        using (var scope = NewDisposeScope())
        using (no_grad())
            scores = model.LogEiStandardised(model.ToTensor(candidates.ToArray()), incumbent).cpu().data<double>().ToArray();
        var starts = Enumerable.Range(0, candidates.Count).Where(i => double.IsFinite(scores[i]))
            .OrderByDescending(i => scores[i]).Take(Math.Max(NLocalSearch, 1)).ToArray();
        if (starts.Length == 0) return FirstUntried([candidates[0]], encoding, tried);
        var points = new List<double[]> { encoding.Snap(candidates[starts[0]]) };
        var free = Enumerable.Range(0, d).Where(j => encoding.Continuous[j]).ToArray();
        if (NLocalSearch > 0 && free.Length > 0)
        {
            // One box L-BFGS over all starts at once (their log EI summed), moving only the continuous coordinates.
            int k = starts.Length;
            var rows = starts.Select(i => (double[])candidates[i].Clone()).ToArray();
            double[] Rows(double[] v)
            {
                for (int s = 0; s < k; s++) for (int j = 0; j < free.Length; j++) rows[s][free[j]] = v[s * free.Length + j];
                return rows.SelectMany(r => r).ToArray();
            }
            (double, double[]) NegLogEi(double[] v)
            {
                using var scope = NewDisposeScope();
                var (value, gradient) = model.LogEiAndGradientStandardised(tensor(Rows(v), [k, d], float64, model.Device), incumbent);
                double total = -value.sum().item<double>();
                if (!double.IsFinite(total)) return (double.PositiveInfinity, new double[v.Length]);
                var g = gradient.cpu().data<double>().ToArray();
                return (total, Enumerable.Range(0, v.Length).Select(i => -g[i / free.Length * d + free[i % free.Length]]).ToArray());
            }
            var x0 = rows.SelectMany(c => free.Select(j => c[j])).ToArray();
            var refined = BoxLbfgs.Minimize(NegLogEi, x0, new double[x0.Length], Enumerable.Repeat(1.0, x0.Length).ToArray(),
                maxIterations: 20, gradientTolerance: 1e-4);
            Rows(refined.X);
            points.AddRange(rows.Select(encoding.Snap));
        }
        // Snapping integers and steps moves points, so the winner is chosen by log EI at the snapped points; a point
        // already tried is skipped (next best refined point, then the scored candidates, then random points).
        double[] final;
        using (var scope = NewDisposeScope())
        using (no_grad())
            final = model.LogEiStandardised(model.ToTensor(points.ToArray()), incumbent).cpu().data<double>().ToArray();
        var ranked = Enumerable.Range(0, points.Count).OrderByDescending(i => final[i]).Select(i => points[i])
            .Concat(Enumerable.Range(0, candidates.Count).OrderByDescending(i => double.IsNaN(scores[i]) ? double.NegativeInfinity : scores[i])
                .Select(i => candidates[i]))
            .Concat(Enumerable.Range(0, 64).Select(_ => encoding.FromUnitSample(Uniform(d), random)));
        return FirstUntried(ranked, encoding, tried);
    }

    static double[]? FirstUntried(IEnumerable<double[]> points, SpaceEncoding encoding, IReadOnlyList<double[]> tried)
    {
        foreach (var point in points)
        {
            var snapped = encoding.Snap(point);
            if (!tried.Any(t => Same(t, snapped))) return snapped;
        }
        return null;
    }

    // Equal parameters give equal encodings up to the rounding of the unit-cube transform.
    static bool Same(double[] a, double[] b)
    {
        for (int j = 0; j < a.Length; j++) if (Math.Abs(a[j] - b[j]) > 1e-12) return false;
        return true;
    }

    double[] Uniform(int d)
    {
        var u = new double[d];
        for (int j = 0; j < d; j++) u[j] = random.NextDouble();
        return u;
    }

}
