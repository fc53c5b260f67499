using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tuning;

/// <summary>Options of <see cref="ParzenEstimator"/>; the defaults are Optuna's and hyperopt's.</summary>
public sealed record ParzenEstimatorOptions
{
    /// <summary>Weight of the prior component (a wide normal at the centre of each range, uniform over categories).</summary>
    public double PriorWeight { get; init; } = 1.0;
    /// <summary>Keep each bandwidth at least range / min(100, components + 1), so no component collapses onto one point.</summary>
    public bool ConsiderMagicClip { get; init; } = true;
    /// <summary>Let the outermost observations' bandwidths reach to the range's ends.</summary>
    public bool ConsiderEndpoints { get; init; }
    /// <summary>One bandwidth per parameter by Scott's rule (joint density) instead of per-observation neighbour gaps.</summary>
    public bool Multivariate { get; init; }
    /// <summary>Raw weights of m observations in trial order; default <see cref="TpeSampler.DefaultWeights"/>.</summary>
    public Func<int, double[]> Weights { get; init; } = TpeSampler.DefaultWeights;
    /// <summary>
    /// Include each continuous component's −log σ in its log density, making the mixture a normalised density (as
    /// Optuna ≥ 3.5 has it). Off by default, as in Optuna 3.1: in l(x)/g(x) the 1/σ factors reward candidates beside
    /// the most tightly packed observations, which made the kit's TPE greedier and measurably worse
    /// (docs/benchmarks.md, "samplers"). Sampling is the same either way.
    /// </summary>
    public bool NormalizeComponents { get; init; }
}

/// <summary>
/// TPE's density model (Bergstra et al. 2011): a mixture with one component per observation plus a prior component.
/// A numeric parameter's component is a normal truncated to its range, in log space for log parameters; integers and
/// stepped floats take the mass of their bin. A categorical's component is one-hot smoothed by the prior weight.
/// As in Optuna 3.1, a continuous component's log density leaves out −log σ (optuna#5109 made it a normalised density
/// in 3.5; <see cref="ParzenEstimatorOptions.NormalizeComponents"/> does so here). Discrete parameters take their bin's
/// mass, where Optuna until 4.6 used a log integer's density at the point (optuna#6258).
/// Bandwidths: the larger gap to a sorted neighbour (univariate), or 0.2·m^(−1/(d+4)) of the range (multivariate).
/// Introduced in 06-bayesian-optimization.
/// </summary>
public sealed class ParzenEstimator
{
    const double MinimumSigma = 1e-12;
    // A few hundred numbers per proposal: on the CPU, whatever the default device, since a GPU round trip costs more.
    static readonly Device Cpu = CPU;
    readonly Distribution[] distributions;
    readonly double[] low, high;
    readonly double?[] step;
    readonly double[][] mus, sigmas;
    readonly double[][][] categoryWeights;
    readonly bool normalize;

    /// <summary>Component weights (observations in trial order, then the prior), summing to 1.</summary>
    public double[] Weights { get; }
    /// <summary>Per numeric parameter: component centres and bandwidths in the (log-)range; null for categoricals.</summary>
    public IReadOnlyList<double[]?> Mus => mus;
    public IReadOnlyList<double[]?> Sigmas => sigmas;
    /// <summary>Per categorical parameter: [component][choice] probabilities; null for numeric parameters.</summary>
    public IReadOnlyList<double[][]?> CategoryWeights => categoryWeights;

    /// <param name="distributions">The parameters, in column order.</param>
    /// <param name="observations">One row of internal values per observation, in trial order.</param>
    public ParzenEstimator(IReadOnlyList<Distribution> distributions, IReadOnlyList<double[]> observations, ParzenEstimatorOptions? options = null)
    {
        options ??= new ParzenEstimatorOptions();
        if (distributions.Count == 0) throw new ArgumentException("A Parzen estimator needs at least one parameter.", nameof(distributions));
        if (!(options.PriorWeight > 0) || !double.IsFinite(options.PriorWeight))
            throw new ArgumentException($"The prior weight must be positive and finite, got {options.PriorWeight}.", nameof(options));
        int d = distributions.Count, m = observations.Count;
        foreach (var row in observations)
        {
            if (row.Length != d) throw new ArgumentException($"Each observation needs {d} values, one got {row.Length}.", nameof(observations));
            for (int j = 0; j < d; j++)
                if (!distributions[j].Contains(row[j])) throw new ArgumentException($"Observation value {row[j]} is outside {distributions[j]}.", nameof(observations));
        }
        this.distributions = [.. distributions];
        normalize = options.NormalizeComponents;
        Weights = ComponentWeights(options, m);
        (low, high, step) = (new double[d], new double[d], new double?[d]);
        (mus, sigmas, categoryWeights) = (new double[d][], new double[d][], new double[d][][]);
        for (int j = 0; j < d; j++)
        {
            var column = observations.Select(r => r[j]).ToArray();
            if (distributions[j] is CategoricalDistribution c)
            {
                categoryWeights[j] = CategoryComponents(column, c.Choices.Count, options.PriorWeight);
                continue;
            }
            var numeric = (NumericDistribution)distributions[j];
            (low[j], high[j]) = numeric.SamplingRange;
            // Discrete values own the bin of width step around them; log integers are binned in Bins().
            step[j] = numeric switch { FloatDistribution f => f.Step, IntDistribution { Log: false } i => i.Step, _ => null };
            mus[j] = [.. column.Select(numeric.ToSamplingScale), 0.5 * (low[j] + high[j])];
            sigmas[j] = Bandwidths(mus[j], low[j], high[j], options, d);
        }
    }

    static double[] ComponentWeights(ParzenEstimatorOptions options, int m)
    {
        var raw = m == 0 ? [] : options.Weights(m);
        if (raw.Length < m) throw new ArgumentException($"The weights function returned {raw.Length} weights for {m} observations.");
        if (raw.Take(m).Any(w => !(w >= 0) || !double.IsFinite(w)) || (m > 0 && raw.Take(m).Sum() <= 0))
            throw new ArgumentException("The weights function must return finite, non-negative weights that are not all zero.");
        var w = raw.Take(m).Append(options.PriorWeight).ToArray();
        double total = w.Sum();
        return [.. w.Select(v => v / total)];
    }

    static double[] Bandwidths(double[] mus, double low, double high, ParzenEstimatorOptions options, int dimensions)
    {
        int n = mus.Length; // observations + prior
        double range = high - low;
        var sigmas = new double[n];
        if (options.Multivariate)
            Array.Fill(sigmas, 0.2 * Math.Pow(Math.Max(n - 1, 1), -1.0 / (dimensions + 4)) * range);
        else
        {
            var order = Enumerable.Range(0, n).OrderBy(i => mus[i]).ToArray();
            var sorted = order.Select(i => mus[i]).Prepend(low).Append(high).ToArray();
            for (int k = 0; k < n; k++)
            {
                double gap = Math.Max(sorted[k + 1] - sorted[k], sorted[k + 2] - sorted[k + 1]);
                // Without endpoints, the outermost components look inwards only.
                if (!options.ConsiderEndpoints && n >= 2 && k == 0) gap = sorted[2] - sorted[1];
                if (!options.ConsiderEndpoints && n >= 2 && k == n - 1) gap = sorted[n] - sorted[n - 1];
                sigmas[order[k]] = gap;
            }
        }
        double minimum = Math.Min(options.ConsiderMagicClip ? range / Math.Min(100.0, n + 1) : MinimumSigma, range);
        for (int i = 0; i < n; i++) sigmas[i] = Math.Clamp(sigmas[i], minimum, range);
        sigmas[n - 1] = range; // the prior
        return sigmas;
    }

    static double[][] CategoryComponents(double[] observed, int choices, double priorWeight)
    {
        int m = observed.Length;
        var rows = new double[m + 1][];
        for (int i = 0; i <= m; i++)
        {
            rows[i] = Enumerable.Repeat(priorWeight / (m + 1), choices).ToArray();
            if (i < m) rows[i][(int)observed[i]] += 1;
            double total = rows[i].Sum();
            for (int c = 0; c < choices; c++) rows[i][c] /= total;
        }
        return rows;
    }

    /// <summary>Draws <paramref name="count"/> rows of internal values: a component by weight, then each parameter from it.</summary>
    public double[][] Sample(Random random, int count)
    {
        var component = new int[count];
        for (int s = 0; s < count; s++) component[s] = Draw(Weights, random.NextDouble());
        var rows = Enumerable.Range(0, count).Select(_ => new double[distributions.Length]).ToArray();
        for (int j = 0; j < distributions.Length; j++)
        {
            if (categoryWeights[j] is { } cw)
            {
                for (int s = 0; s < count; s++) rows[s][j] = Draw(cw[component[s]], random.NextDouble());
                continue;
            }
            // Inverse CDF of the truncated normal: p uniform on [Φ(a), Φ(b)], x = μ + σ·Φ⁻¹(p).
            var mu = component.Select(c => mus[j][c]).ToArray();
            var sigma = component.Select(c => sigmas[j][c]).ToArray();
            var u = Enumerable.Range(0, count).Select(_ => random.NextDouble()).ToArray();
            double[] x;
            using (var scope = NewDisposeScope())
            using (var lowJ = low[j].ToScalar())
            using (var highJ = high[j].ToScalar())
            {
                var m = tensor(mu, float64, Cpu); var sd = tensor(sigma, float64, Cpu);
                var lowerCdf = special.ndtr(lowJ.Minus(m) / sd);
                var upperCdf = special.ndtr(highJ.Minus(m) / sd);
                var p = lowerCdf.Plus(tensor(u, float64, Cpu) * (upperCdf - lowerCdf));
                x = m.Plus(sd * special.ndtri(p)).clamp(lowJ, highJ).data<double>().ToArray();
            }
            var numeric = (NumericDistribution)distributions[j];
            for (int s = 0; s < count; s++) rows[s][j] = numeric.FromSamplingScale(x[s]);
        }
        return rows;
    }

    static int Draw(double[] probabilities, double u)
    {
        double cumulative = 0;
        for (int i = 0; i < probabilities.Length - 1; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative) return i;
        }
        return probabilities.Length - 1;
    }

    /// <summary>log density of each row (internal values) under the mixture; discrete parameters contribute log bin mass.</summary>
    public double[] LogPdf(IReadOnlyList<double[]> samples)
    {
        if (samples.Count == 0) return [];
        foreach (var row in samples)
        {
            if (row.Length != distributions.Length) throw new ArgumentException($"Each sample needs {distributions.Length} values.", nameof(samples));
            for (int j = 0; j < row.Length; j++)
                if (!distributions[j].Contains(row[j])) throw new ArgumentException($"Sample value {row[j]} is outside {distributions[j]}.", nameof(samples));
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int count = samples.Count;
        var total = tensor(Weights, float64, Cpu).log().unsqueeze(0).expand(count, -1).clone();
        for (int j = 0; j < distributions.Length; j++)
        {
            if (categoryWeights[j] is { } cw)
            {
                var table = tensor(cw.SelectMany(r => r).ToArray(), [cw.Length, cw[0].Length], float64, Cpu).log().t();
                var index = tensor(samples.Select(r => (long)r[j]).ToArray(), int64, Cpu);
                total.PlusInPlace(table.index_select(0, index));
                continue;
            }
            var mu = tensor(mus[j], float64, Cpu).unsqueeze(0);
            var sd = tensor(sigmas[j], float64, Cpu).unsqueeze(0);
            using var lowJ = low[j].ToScalar();
            using var highJ = high[j].ToScalar();
            var logAccept = StandardNormal.LogMass(lowJ.Minus(mu) / sd, highJ.Minus(mu) / sd);
            var bins = Bins(j, samples);
            if (bins is var (lowerEdges, upperEdges))
            {
                var lower = tensor(lowerEdges, float64, Cpu).clamp_min(lowJ).unsqueeze(1);
                var upper = tensor(upperEdges, float64, Cpu).clamp_max(highJ).unsqueeze(1);
                total.PlusInPlace(StandardNormal.LogMass((lower - mu) / sd, (upper - mu) / sd) - logAccept);
            }
            else
            {
                var z = (tensor(samples.Select(r => ((NumericDistribution)distributions[j]).ToSamplingScale(r[j])).ToArray(), float64, Cpu).unsqueeze(1) - mu) / sd;
                var log = z * z * Held.Of(-0.5) - Held.Of(StandardNormal.HalfLog2Pi) - logAccept;
                total.PlusInPlace(normalize ? log - sd.log() : log);
            }
        }
        return total.logsumexp(1).data<double>().ToArray();
    }

    /// <summary>The bin each discrete value owns, where sampling would round to it: ±step/2, or [ln(v − ½), ln(v + ½)] for log integers.</summary>
    (double[] Lower, double[] Upper)? Bins(int j, IReadOnlyList<double[]> samples) => (distributions[j], step[j]) switch
    {
        (_, double q) => ([.. samples.Select(r => r[j] - q / 2)], [.. samples.Select(r => r[j] + q / 2)]),
        (IntDistribution { Log: true }, _) => ([.. samples.Select(r => Math.Log(r[j] - 0.5))], [.. samples.Select(r => Math.Log(r[j] + 0.5))]),
        _ => null,
    };
}
