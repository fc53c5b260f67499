namespace NotebookKit.Monitoring;

/// <summary>
/// Distribution-shift statistics between a reference sample (training inputs) and a current sample (live inputs).
/// Introduced in 09-monitoring.
/// </summary>
public static class Drift
{
    /// <summary>
    /// Bin edges for <see cref="Psi"/>: the reference sample's quantiles at k/bins (k = 1..bins-1, linear
    /// interpolation as numpy's default), duplicates removed, so each bin holds about the same share of reference rows.
    /// </summary>
    public static double[] QuantileEdges(ReadOnlySpan<double> reference, int bins = 10)
    {
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins), "PSI needs at least 2 bins.");
        RequireSample(reference, "reference");
        var sorted = reference.ToArray();
        Array.Sort(sorted);
        var edges = new List<double>();
        for (int k = 1; k < bins; k++)
        {
            double pos = (sorted.Length - 1) * (double)k / bins;
            int lo = (int)Math.Floor(pos);
            int hi = Math.Min(lo + 1, sorted.Length - 1);
            double q = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
            if (edges.Count == 0 || q > edges[^1]) edges.Add(q);
        }
        return edges.ToArray();
    }

    /// <summary>Share of <paramref name="sample"/> in each bin; bin i holds edges[i-1] &lt; x &lt;= edges[i] (first and last open).</summary>
    public static double[] BinShares(ReadOnlySpan<double> sample, double[] edges)
    {
        RequireSample(sample, "sample");
        var counts = new double[edges.Length + 1];
        foreach (var x in sample)
        {
            int i = Array.BinarySearch(edges, x);
            if (i < 0) i = ~i;
            counts[i]++;
        }
        for (int i = 0; i < counts.Length; i++) counts[i] /= sample.Length;
        return counts;
    }

    /// <summary>
    /// Population stability index: PSI = sum_i (a_i - e_i) ln(a_i / e_i) over bins from the reference quantiles,
    /// with e the reference shares and a the current shares, both floored at <paramref name="epsilon"/> so an empty
    /// bin stays finite. Rules of thumb: &lt; 0.1 stable, 0.1-0.25 moderate shift, &gt; 0.25 major shift.
    /// </summary>
    public static double Psi(ReadOnlySpan<double> reference, ReadOnlySpan<double> current, int bins = 10, double epsilon = 1e-4) =>
        PsiFromShares(BinShares(reference, QuantileEdges(reference, bins)), BinShares(current, QuantileEdges(reference, bins)), epsilon);

    /// <summary>PSI from bin shares already computed (same bins, each summing to 1).</summary>
    public static double PsiFromShares(double[] expectedShares, double[] actualShares, double epsilon = 1e-4)
    {
        if (expectedShares.Length != actualShares.Length)
            throw new ArgumentException($"expected has {expectedShares.Length} bins but actual has {actualShares.Length}.", nameof(actualShares));
        double psi = 0;
        for (int i = 0; i < expectedShares.Length; i++)
        {
            double e = Math.Max(expectedShares[i], epsilon), a = Math.Max(actualShares[i], epsilon);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }

    /// <summary>
    /// Two-sample Kolmogorov-Smirnov test. D = sup_x |F1(x) - F2(x)| over the empirical CDFs (ties handled by
    /// evaluating both CDFs after every distinct value). p-value from the asymptotic Kolmogorov distribution:
    /// p = Q(sqrt(en) D), en = n m / (n + m), Q(l) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2) (as scipy.special.kolmogorov).
    /// Accurate when both samples have more than a few dozen values.
    /// </summary>
    public static KsResult KolmogorovSmirnov(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        RequireSample(a, "a");
        RequireSample(b, "b");
        var x = a.ToArray(); var y = b.ToArray();
        Array.Sort(x); Array.Sort(y);
        int i = 0, j = 0;
        double d = 0;
        while (i < x.Length && j < y.Length)
        {
            double v = Math.Min(x[i], y[j]);
            while (i < x.Length && x[i] == v) i++;
            while (j < y.Length && y[j] == v) j++;
            d = Math.Max(d, Math.Abs((double)i / x.Length - (double)j / y.Length));
        }
        double en = (double)x.Length * y.Length / (x.Length + y.Length);
        return new KsResult(d, KolmogorovSurvival(Math.Sqrt(en) * d));
    }

    /// <summary>Q(l) = P(K &gt; l) for the Kolmogorov distribution K.</summary>
    public static double KolmogorovSurvival(double lambda)
    {
        if (double.IsNaN(lambda)) throw new ArgumentException("lambda is NaN.", nameof(lambda));
        if (lambda <= 0) return 1;
        if (lambda < 1.18)
        {
            // The alternating series converges slowly here; use the Jacobi theta form of the CDF instead.
            double factor = Math.Sqrt(2 * Math.PI) / lambda, sum = 0;
            for (int k = 1; k <= 20; k += 2)
                sum += Math.Exp(-k * k * Math.PI * Math.PI / (8 * lambda * lambda));
            return Math.Clamp(1 - factor * sum, 0, 1);
        }
        double q = 0;
        for (int k = 1; k <= 100; k++)
        {
            double term = Math.Exp(-2.0 * k * k * lambda * lambda);
            q += (k % 2 == 1 ? 2 : -2) * term;
            if (term < 1e-17) break;
        }
        return Math.Clamp(q, 0, 1);
    }

    static void RequireSample(ReadOnlySpan<double> s, string name)
    {
        if (s.Length == 0) throw new ArgumentException($"{name} is empty.", name);
        foreach (var v in s)
            if (!double.IsFinite(v)) throw new ArgumentException($"{name} holds NaN or infinity.", name);
    }
}

/// <summary>A two-sample KS result: statistic D and its asymptotic p-value.</summary>
public readonly record struct KsResult(double Statistic, double PValue);
