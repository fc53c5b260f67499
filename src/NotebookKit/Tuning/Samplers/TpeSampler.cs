namespace NotebookKit.Tuning;

/// <summary>
/// Tree-structured Parzen Estimator (Bergstra et al. 2011), with Optuna 3.1's defaults. After <c>nStartupTrials</c>
/// random trials, each parameter's finished trials are split into the best γ(n) ("below") and the rest ("above"),
/// a <see cref="ParzenEstimator"/> l(x) is fitted to the first and g(x) to the second, <c>nEiCandidates</c> points
/// are drawn from l, and the one with the largest l(x)/g(x) is proposed (that ratio is monotone in expected
/// improvement). Pruned trials rank after completed ones, later-pruned above earlier-pruned. Univariate by
/// default; <c>multivariate</c> models the parameters every trial shares jointly. With <c>constantLiar</c>, running
/// trials count as the worst, which spreads out parallel workers. Introduced in 06-bayesian-optimization.
/// </summary>
public sealed class TpeSampler : ISampler
{
    readonly Random random;
    readonly RandomSampler fallback;
    readonly ParzenEstimatorOptions estimatorOptions;
    readonly Func<int, int> gamma;

    public int NStartupTrials { get; }
    public int NEiCandidates { get; }
    public bool Multivariate { get; }
    public bool ConstantLiar { get; }

    public TpeSampler(int? seed = null, int nStartupTrials = 10, int nEiCandidates = 24, bool multivariate = false, bool constantLiar = false,
        Func<int, int>? gamma = null, Func<int, double[]>? weights = null, double priorWeight = 1.0, bool considerMagicClip = true, bool considerEndpoints = false,
        bool normalizeComponents = false)
    {
        if (nStartupTrials < 0) throw new ArgumentOutOfRangeException(nameof(nStartupTrials), "nStartupTrials must be non-negative.");
        if (nEiCandidates < 1) throw new ArgumentOutOfRangeException(nameof(nEiCandidates), "nEiCandidates must be at least 1.");
        if (!(priorWeight > 0) || !double.IsFinite(priorWeight)) throw new ArgumentOutOfRangeException(nameof(priorWeight), "priorWeight must be positive and finite.");
        random = SeededRandom.Create(seed);
        fallback = new RandomSampler(SeededRandom.Create(seed, stream: 1)); // startup draws: a stream of their own
        (NStartupTrials, NEiCandidates, Multivariate, ConstantLiar) = (nStartupTrials, nEiCandidates, multivariate, constantLiar);
        this.gamma = gamma ?? DefaultGamma;
        estimatorOptions = new ParzenEstimatorOptions
        {
            PriorWeight = priorWeight, ConsiderMagicClip = considerMagicClip, ConsiderEndpoints = considerEndpoints,
            Multivariate = multivariate, Weights = weights ?? DefaultWeights, NormalizeComponents = normalizeComponents,
        };
    }

    /// <summary>How many of n finished trials count as good: ⌈0.1·n⌉, at most 25.</summary>
    public static int DefaultGamma(int n) => Math.Min((int)Math.Ceiling(0.1 * n), 25);

    /// <summary>Weights of m observations in trial order: equal below 25; otherwise the older m − 25 ramp up from 1/m, the newest 25 weigh 1.</summary>
    public static double[] DefaultWeights(int m)
    {
        if (m < 25) return Enumerable.Repeat(1.0, m).ToArray();
        int ramp = m - 25;
        return Enumerable.Range(0, ramp).Select(i => ramp == 1 ? 1.0 / m : 1.0 / m + (1 - 1.0 / m) * i / (ramp - 1))
            .Concat(Enumerable.Repeat(1.0, 25)).ToArray();
    }

    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(Study study, FrozenTrial trial) =>
        Multivariate ? SearchSpace.Intersection(study.GetTrials(), includePruned: true) : new Dictionary<string, Distribution>();

    public IReadOnlyDictionary<string, double> SampleRelative(Study study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> space)
    {
        if (space.Count == 0) return new Dictionary<string, double>();
        var names = space.Keys.ToArray();
        var point = Propose(study, trial, names, names.Select(n => space[n]).ToArray());
        return point is null ? new Dictionary<string, double>() : names.Select((n, j) => (n, point[j])).ToDictionary(p => p.n, p => p.Item2);
    }

    public double SampleIndependent(Study study, FrozenTrial trial, string name, Distribution distribution) =>
        Propose(study, trial, [name], [distribution])?[0] ?? fallback.SampleIndependent(study, trial, name, distribution);

    /// <summary>The TPE proposal for these parameters, or null while fewer than nStartupTrials trials have finished.</summary>
    double[]? Propose(Study study, FrozenTrial trial, string[] names, Distribution[] distributions)
    {
        var split = Split(study.GetTrials().Where(t => t.Number != trial.Number), study.Direction, ConstantLiar, gamma);
        if (split.Finished < NStartupTrials) return null;
        var below = Rows(split.Below, names, distributions);
        var above = Rows(split.Above, names, distributions);
        var l = new ParzenEstimator(distributions, below, estimatorOptions);
        var g = new ParzenEstimator(distributions, above, estimatorOptions);
        var candidates = l.Sample(random, NEiCandidates);
        var logL = l.LogPdf(candidates);
        var logG = g.LogPdf(candidates);
        int best = 0;
        for (int i = 1; i < candidates.Length; i++) if (logL[i] - logG[i] > logL[best] - logG[best]) best = i;
        return candidates[best];
    }

    /// <summary>
    /// The good ("below") and other ("above") trials, each in trial order (the weights ramp by age), as Optuna ranks
    /// them: completed by value (negated when maximising); then pruned ones, later-pruned first, by their value at that
    /// step; with <paramref name="constantLiar"/> running trials last. γ(n) of the n finished trials are good.
    /// </summary>
    internal static (List<FrozenTrial> Below, List<FrozenTrial> Above, int Finished) Split(IEnumerable<FrozenTrial> trials, StudyDirection direction,
        bool constantLiar, Func<int, int> gamma)
    {
        var sign = direction == StudyDirection.Minimize ? 1.0 : -1.0;
        var scored = new List<(double Step, double Value, FrozenTrial Trial)>();
        foreach (var t in trials)
        {
            switch (t.State)
            {
                case TrialState.Complete when t.Value is double v:
                    scored.Add((double.NegativeInfinity, sign * v, t));
                    break;
                case TrialState.Pruned:
                    if (t.LastStep is int step)
                    {
                        double last = t.IntermediateValues[step];
                        scored.Add((-step, double.IsNaN(last) ? double.PositiveInfinity : sign * last, t));
                    }
                    else scored.Add((1, 0, t));
                    break;
                case TrialState.Running when constantLiar:
                    scored.Add((double.PositiveInfinity, double.PositiveInfinity, t));
                    break;
            }
        }
        int finished = scored.Count(s => s.Trial.State != TrialState.Running);
        int nBelow = Math.Clamp(gamma(finished), 0, scored.Count);
        var ranked = Enumerable.Range(0, scored.Count).OrderBy(i => scored[i].Step).ThenBy(i => scored[i].Value).ToArray();
        return ([.. ranked.Take(nBelow).Order().Select(i => scored[i].Trial)], [.. ranked.Skip(nBelow).Order().Select(i => scored[i].Trial)], finished);
    }

    /// <summary>Trials that set every parameter to a value its current distribution contains (conditional spaces skip the rest).</summary>
    static List<double[]> Rows(IEnumerable<FrozenTrial> trials, string[] names, Distribution[] distributions)
    {
        var rows = new List<double[]>();
        foreach (var t in trials)
        {
            var values = t.State == TrialState.Running ? t.PendingParams() : t.InternalParams;
            var row = new double[names.Length];
            bool ok = true;
            for (int j = 0; j < names.Length && ok; j++) ok = values.TryGetValue(names[j], out row[j]) && distributions[j].Contains(row[j]);
            if (ok) rows.Add(row);
        }
        return rows;
    }
}
