namespace NotebookKit.Metrics;

/// <summary>The one input validator every metric uses, so the same mistake gets the same clear message.</summary>
internal static class Validate
{
    public static void NotEmpty(int length, string name)
    {
        if (length == 0) throw new ArgumentException($"{name} is empty; a metric needs at least one sample.", name);
    }

    public static void SameLength(int a, int b, string nameA, string nameB)
    {
        if (a != b) throw new ArgumentException($"{nameA} has {a} entries but {nameB} has {b}; they must have the same length.", nameB);
    }

    public static void Pair(int a, int b, string nameA, string nameB)
    {
        NotEmpty(a, nameA);
        SameLength(a, b, nameA, nameB);
    }

    /// <summary>Sample weights: same length as the data, finite and not negative.</summary>
    public static void Weights(ReadOnlySpan<double> w, int n)
    {
        if (w.IsEmpty) return;
        if (w.Length != n) throw new ArgumentException($"sampleWeight has {w.Length} entries for {n} samples.", "sampleWeight");
        for (int i = 0; i < w.Length; i++)
            if (!double.IsFinite(w[i]) || w[i] < 0)
                throw new ArgumentException($"sampleWeight[{i}] = {w[i]}; weights must be finite and not negative.", "sampleWeight");
        double total = 0;
        foreach (var v in w) total += v;
        WeightTotal(total);
    }

    /// <summary>Weights that sum to zero leave every weighted average 0/0: one clear error for every metric.</summary>
    public static void WeightTotal(double total)
    {
        if (!(total > 0)) throw new ArgumentException("The sample weights sum to zero; a weighted metric is undefined.", "sampleWeight");
    }

    /// <summary>Average precision is binary: at most two labels, and posLabel one of them when there are two.</summary>
    public static void AveragePrecisionLabels(int[] present, int posLabel)
    {
        if (present.Length > 2) throw new ArgumentException($"yTrue has {present.Length} classes; average precision here is binary.", "yTrue");
        if (present.Length == 2 && Array.IndexOf(present, posLabel) < 0)
            throw new ArgumentException($"posLabel={posLabel} is not a valid label; it should be one of {string.Join(", ", present)}.", nameof(posLabel));
    }

    /// <summary>One probability per sample: the classes must be exactly two, the second being the probability's.</summary>
    public static void BinaryProbabilityLabels(int[] classes)
    {
        // scikit-learn treats a single present label as the positive one only for label 1; be explicit instead.
        if (classes.Length == 1)
            throw new ArgumentException($"yTrue holds one label ({classes[0]}); pass labels (e.g. [0, 1]) so the probability's class is known.", "labels");
        if (classes.Length != 2)
            throw new ArgumentException($"One probability per sample needs two classes, yTrue has {classes.Length}; pass an n x K matrix.", "probabilities");
    }

    public static void Finite(ReadOnlySpan<double> x, string name)
    {
        for (int i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i]))
                throw new ArgumentException($"{name}[{i}] is {x[i]}; scores must be finite (no NaN or infinity).", name);
    }

    public static void Probabilities(ReadOnlySpan<double> p, string name)
    {
        for (int i = 0; i < p.Length; i++)
            if (!(p[i] >= 0 && p[i] <= 1))
                throw new ArgumentException($"{name}[{i}] = {p[i]} is not a probability in [0, 1].", name);
    }

    public static void ZeroDivision(double zeroDivision)
    {
        if (zeroDivision is not (0.0 or 1.0))
            throw new ArgumentException($"zeroDivision must be 0 or 1 (the value used when a ratio is 0/0), got {zeroDivision}.", nameof(zeroDivision));
    }

    public static double[] ToDouble(ReadOnlySpan<float> x)
    {
        var result = GC.AllocateUninitializedArray<double>(x.Length);
        for (int i = 0; i < x.Length; i++) result[i] = x[i];
        return result;
    }

    /// <summary>Row-major copy of n x k scores.</summary>
    public static (double[] Flat, int Rows, int Columns) Matrix(double[,] scores)
    {
        int n = scores.GetLength(0), k = scores.GetLength(1);
        var flat = new double[n * k];
        Buffer.BlockCopy(scores, 0, flat, 0, flat.Length * sizeof(double));
        return (flat, n, k);
    }

    public static (double[] Flat, int Rows, int Columns) Matrix(double[][] scores)
    {
        int n = scores.Length;
        int k = n == 0 ? 0 : scores[0].Length;
        var flat = new double[n * k];
        for (int i = 0; i < n; i++)
        {
            if (scores[i].Length != k) throw new ArgumentException($"Score row {i} has {scores[i].Length} columns, row 0 has {k}; rows must all be the same length.", nameof(scores));
            scores[i].CopyTo(flat, i * k);
        }
        return (flat, n, k);
    }
}
