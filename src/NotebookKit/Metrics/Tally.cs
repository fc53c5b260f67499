using System.Numerics;
using System.Runtime.InteropServices;

namespace NotebookKit.Metrics;

/// <summary>
/// The full confusion matrix over the sorted union of labels present in y_true and y_pred (scikit-learn's
/// <c>unique_labels</c>), from which every set-wise classification metric is derived.
/// </summary>
internal sealed class Tally
{
    public int[] Labels { get; }
    /// <summary>Row-major k x k: row = true label, column = predicted label; weighted sums when weighted.</summary>
    public double[] Matrix { get; }
    /// <summary>Whether each label occurs in y_true (even with weight 0).</summary>
    public bool[] InTrue { get; }
    public int K => Labels.Length;

    public Tally(int[] labels, double[] matrix, bool[] inTrue)
    {
        Labels = labels;
        Matrix = matrix;
        InTrue = inTrue;
    }

    public double this[int t, int p] => Matrix[t * K + p];

    public int IndexOf(int label) => Array.BinarySearch(Labels, label);

    public double Total() { double s = 0; foreach (var v in Matrix) s += v; return s; }
    public double RowSum(int t) { double s = 0; for (int p = 0; p < K; p++) s += Matrix[t * K + p]; return s; }
    public double ColumnSum(int p) { double s = 0; for (int t = 0; t < K; t++) s += Matrix[t * K + p]; return s; }

    /// <summary>Counts (or weighted sums) of every (true, predicted) pair.</summary>
    public static Tally Count(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> sampleWeight)
    {
        Validate.Pair(yTrue.Length, yPred.Length, "yTrue", "yPred");
        Validate.Weights(sampleWeight, yTrue.Length);
        var (min1, max1) = MinMax(yTrue);
        var (min2, max2) = MinMax(yPred);
        long min = Math.Min(min1, min2), max = Math.Max(max1, max2);
        long range = max - min + 1;
        if (range <= 256)
            return CountDense(yTrue, yPred, sampleWeight, (int)min, (int)range);
        if (range <= 1 << 22)
            return CountMapped(yTrue, yPred, sampleWeight, (int)min, (int)range);
        return CountSparse(yTrue, yPred, sampleWeight);
    }

    static Tally CountDense(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> w, int min, int range)
    {
        int n = yTrue.Length;
        var dense = new double[range * range];
        if (w.IsEmpty)
        {
            // Four tables break the store-to-load dependency when neighbouring samples hit the same cell.
            var counts = new long[4 * range * range];
            int stride = range * range;
            int i = 0;
            for (; i + 4 <= n; i += 4)
            {
                counts[(yTrue[i] - min) * range + (yPred[i] - min)]++;
                counts[stride + (yTrue[i + 1] - min) * range + (yPred[i + 1] - min)]++;
                counts[2 * stride + (yTrue[i + 2] - min) * range + (yPred[i + 2] - min)]++;
                counts[3 * stride + (yTrue[i + 3] - min) * range + (yPred[i + 3] - min)]++;
            }
            for (; i < n; i++) counts[(yTrue[i] - min) * range + (yPred[i] - min)]++;
            for (int c = 0; c < stride; c++) dense[c] = counts[c] + counts[stride + c] + counts[2 * stride + c] + counts[3 * stride + c];
        }
        else
        {
            for (int i = 0; i < n; i++) dense[(yTrue[i] - min) * range + (yPred[i] - min)] += w[i];
        }
        // Keep the labels that occur in y_true or y_pred (whatever their weight), in sorted order.
        var inTrue = new bool[range];
        var inPred = new bool[range];
        MarkPresent(yTrue, min, inTrue);
        MarkPresent(yPred, min, inPred);
        var index = new List<int>();
        for (int v = 0; v < range; v++) if (inTrue[v] || inPred[v]) index.Add(v);
        int k = index.Count;
        var matrix = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                matrix[a * k + b] = dense[index[a] * range + index[b]];
        return new Tally(index.Select(v => v + min).ToArray(), matrix, index.Select(v => inTrue[v]).ToArray());
    }

    /// <summary>Labels spread over a wide range: map each value to its rank among the present labels through a table.</summary>
    static Tally CountMapped(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> w, int min, int range)
    {
        var inTrue = new bool[range];
        var inPred = new bool[range];
        foreach (var v in yTrue) inTrue[v - min] = true;
        foreach (var v in yPred) inPred[v - min] = true;
        var map = new int[range];
        var labels = new List<int>();
        var truth = new List<bool>();
        for (int v = 0; v < range; v++)
        {
            map[v] = labels.Count;
            if (inTrue[v] || inPred[v]) { labels.Add(v + min); truth.Add(inTrue[v]); }
        }
        int k = labels.Count;
        if (k > 4096) throw new ArgumentException($"{k} distinct labels; classification metrics support at most 4096 classes.", nameof(yTrue));
        var matrix = new double[k * k];
        for (int i = 0; i < yTrue.Length; i++) matrix[map[yTrue[i] - min] * k + map[yPred[i] - min]] += w.IsEmpty ? 1.0 : w[i];
        return new Tally(labels.ToArray(), matrix, truth.ToArray());
    }

    static void MarkPresent(ReadOnlySpan<int> y, int min, bool[] present)
    {
        // Labels are few; stop scanning once every slot is known to be present.
        int remaining = present.Length - present.Count(p => p);
        for (int i = 0; i < y.Length && remaining > 0; i++)
        {
            ref bool slot = ref present[y[i] - min];
            if (!slot) { slot = true; remaining--; }
        }
    }

    static Tally CountSparse(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> w)
    {
        var set = new SortedSet<int>();
        foreach (var v in yTrue) set.Add(v);
        foreach (var v in yPred) set.Add(v);
        var labels = set.ToArray();
        if (labels.Length > 4096) throw new ArgumentException($"{labels.Length} distinct labels; classification metrics support at most 4096 classes.", nameof(yTrue));
        var map = new Dictionary<int, int>();
        for (int i = 0; i < labels.Length; i++) map[labels[i]] = i;
        int k = labels.Length;
        var matrix = new double[k * k];
        for (int i = 0; i < yTrue.Length; i++) matrix[map[yTrue[i]] * k + map[yPred[i]]] += w.IsEmpty ? 1.0 : w[i];
        var truth = new HashSet<int>();
        foreach (var v in yTrue) truth.Add(v);
        return new Tally(labels, matrix, labels.Select(truth.Contains).ToArray());
    }

    public static (int Min, int Max) MinMax(ReadOnlySpan<int> y)
    {
        int min = int.MaxValue, max = int.MinValue;
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= 2 * Vector<int>.Count)
        {
            var vmin = new Vector<int>(int.MaxValue);
            var vmax = new Vector<int>(int.MinValue);
            var vectors = MemoryMarshal.Cast<int, Vector<int>>(y);
            foreach (var v in vectors) { vmin = Vector.Min(vmin, v); vmax = Vector.Max(vmax, v); }
            for (int j = 0; j < Vector<int>.Count; j++) { min = Math.Min(min, vmin[j]); max = Math.Max(max, vmax[j]); }
            i = vectors.Length * Vector<int>.Count;
        }
        for (; i < y.Length; i++) { min = Math.Min(min, y[i]); max = Math.Max(max, y[i]); }
        return (min, max);
    }

    /// <summary>Per-label tp, predicted count (tp + fp) and true count (tp + fn) for the requested labels, in order.</summary>
    public (double[] Tp, double[] Pred, double[] True) PerLabel(int[] labels)
    {
        var tp = new double[labels.Length];
        var pred = new double[labels.Length];
        var truth = new double[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int j = IndexOf(labels[i]);
            if (j < 0) continue; // a requested label that never occurs: all zero, as scikit-learn
            tp[i] = this[j, j];
            pred[i] = ColumnSum(j);
            truth[i] = RowSum(j);
        }
        return (tp, pred, truth);
    }
}
