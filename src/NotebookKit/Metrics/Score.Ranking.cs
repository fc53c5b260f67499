namespace NotebookKit.Metrics;

internal interface ICurveSink
{
    /// <summary>One distinct threshold, from the highest score down: cumulative true and false positives at score >= threshold.</summary>
    void Add(double threshold, double tps, double fps);
}

/// <summary>Collects the whole curve (scikit-learn's _binary_clf_curve).</summary>
internal struct CurveCollector : ICurveSink
{
    public double[] Thresholds, Tps, Fps;
    public int Count;
    /// <summary>Room for <paramref name="capacity"/> thresholds: at most one per sample.</summary>
    public CurveCollector(int capacity)
    {
        Thresholds = GC.AllocateUninitializedArray<double>(capacity);
        Tps = GC.AllocateUninitializedArray<double>(capacity);
        Fps = GC.AllocateUninitializedArray<double>(capacity);
    }
    public void Add(double threshold, double tps, double fps)
    {
        Thresholds[Count] = threshold; Tps[Count] = tps; Fps[Count] = fps;
        Count++;
    }
}

/// <summary>Twice the unnormalised trapezoid area under (fps, tps); exact integers when unweighted.</summary>
internal struct AreaSink : ICurveSink
{
    public double Area2, LastTps, LastFps;
    public void Add(double threshold, double tps, double fps)
    {
        Area2 += (fps - LastFps) * (tps + LastTps);
        LastTps = tps;
        LastFps = fps;
    }
}

/// <summary>Unnormalised average precision: sum over thresholds of (tps_i - tps_(i-1)) * precision_i.</summary>
internal struct PrecisionSumSink : ICurveSink
{
    public double Sum, LastTps;
    public void Add(double threshold, double tps, double fps)
    {
        Sum += (tps - LastTps) * (tps / (tps + fps));
        LastTps = tps;
    }
}

public static partial class Score
{
    /// <summary>
    /// Walks the distinct scores from high to low with cumulative (weighted) true and false positives, as
    /// scikit-learn's _binary_clf_curve: samples of weight 0 are dropped, tied scores form one threshold.
    /// Returns (total positives, total negatives).
    /// </summary>
    internal static (double P, double N) WalkCurve<TSink>(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, ReadOnlySpan<double> w, int posLabel, ref TSink sink)
        where TSink : struct, ICurveSink
    {
        Validate.Pair(yTrue.Length, scores.Length, "yTrue", "scores");
        Validate.Weights(w, yTrue.Length);
        int n = yTrue.Length;
        int positives = 0;
        for (int i = 0; i < n; i++) positives += yTrue[i] == posLabel ? 1 : 0;
        // Positives go to keys[0..np), negatives to keys[positives..): each part is sorted on its own, then merged.
        var keys = RadixSort.Rent(n, buffer: false);
        var buffer = RadixSort.Rent(n, buffer: true);
        double[]? weights = w.IsEmpty ? null : GC.AllocateUninitializedArray<double>(n);
        double[]? weightBuffer = w.IsEmpty ? null : GC.AllocateUninitializedArray<double>(n);
        int np = 0, nn = positives;
        for (int i = 0; i < n; i++)
        {
            double s = scores[i];
            if (!double.IsFinite(s)) throw new ArgumentException($"scores[{i}] is {s}; scores must be finite (no NaN or infinity).", nameof(scores));
            if (!w.IsEmpty && w[i] == 0) continue;
            ulong key = RadixSort.DescendingKey(s);
            int at = yTrue[i] == posLabel ? np++ : nn++;
            keys[at] = key;
            if (weights is not null) weights[at] = w[i];
        }
        nn -= positives;
        var sp = RadixSort.Sort(keys, weights, 0, np, buffer, weightBuffer);
        var sn = RadixSort.Sort(keys, weights, positives, nn, buffer, weightBuffer);
        // Each part ends in one of the two arrays; read each from where it ended.
        var pk = sp.Keys; var pw = sp.Payload;
        var nk = sn.Keys; var nw = sn.Payload;
        int pEnd = np, nStart = positives, nEnd = positives + nn;
        int a = 0, b = nStart;
        double tps = 0, fps = 0;
        while (a < pEnd || b < nEnd)
        {
            ulong key = a < pEnd && (b >= nEnd || pk[a] <= nk[b]) ? pk[a] : nk[b];
            if (pw is null)
            {
                int start = a;
                while (a < pEnd && pk[a] == key) a++;
                tps += a - start;
                start = b;
                while (b < nEnd && nk[b] == key) b++;
                fps += b - start;
            }
            else
            {
                while (a < pEnd && pk[a] == key) tps += pw[a++];
                while (b < nEnd && nk[b] == key) fps += nw![b++];
            }
            sink.Add(RadixSort.ScoreOf(key), tps, fps);
        }
        RadixSort.Return(keys, buffer: false);
        RadixSort.Return(buffer, buffer: true);
        return (tps, fps);
    }

    /// <summary>
    /// ROC curve: for each distinct score threshold t (high to low), fpr = FP(s >= t) / N and tpr = TP(s >= t) / P.
    /// The curve starts at (0, 0) with threshold max(score) + 1 (scikit-learn 1.2). With <paramref name="dropIntermediate"/>,
    /// points collinear with their neighbours are dropped (second differences of fps and tps both 0), which keeps
    /// the area. Positive label: <paramref name="posLabel"/>, else 1 for {0,1} or {-1,1} labels. Labels must be
    /// binary. With no negatives fpr is NaN, with no positives tpr is NaN (as scikit-learn, which warns).
    /// </summary>
    public static RocCurve RocCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int? posLabel = null, ReadOnlySpan<double> sampleWeight = default, bool dropIntermediate = true)
    {
        int pos = PositiveLabel(yTrue, posLabel);
        var sink = new CurveCollector(yTrue.Length);
        var (p, n) = WalkCurve(yTrue, scores, sampleWeight, pos, ref sink);
        if (n <= 0) Setup.Warnings.Issue("ROC curve: no negative samples in yTrue, so the false positive rates are NaN.");
        if (p <= 0) Setup.Warnings.Issue("ROC curve: no positive samples in yTrue, so the true positive rates are NaN.");
        var fps = sink.Fps; var tps = sink.Tps; var th = sink.Thresholds;
        int count = sink.Count;
        var idx = new int[count];
        int kept = 0;
        for (int i = 0; i < count; i++)
            if (!dropIntermediate || count <= 2 || i == 0 || i == count - 1 || SecondDiff(fps, i) != 0 || SecondDiff(tps, i) != 0)
                idx[kept++] = i;
        Array.Resize(ref idx, kept);
        int m = idx.Length + 1;
        var fpr = new double[m];
        var tpr = new double[m];
        var thresholds = new double[m];
        thresholds[0] = th[0] + 1;
        for (int j = 0; j < idx.Length; j++)
        {
            fpr[j + 1] = n <= 0 ? double.NaN : fps[idx[j]] / n;
            tpr[j + 1] = p <= 0 ? double.NaN : tps[idx[j]] / p;
            thresholds[j + 1] = th[idx[j]];
        }
        if (n <= 0) fpr[0] = double.NaN;
        if (p <= 0) tpr[0] = double.NaN;
        return new RocCurve(fpr, tpr, thresholds);
    }

    // numpy's diff(x, 2)[i - 1] = (x[i+1] - x[i]) - (x[i] - x[i-1]), computed in the same order.
    static double SecondDiff(double[] x, int i) => (x[i + 1] - x[i]) - (x[i] - x[i - 1]);

    /// <inheritdoc cref="RocCurve(ReadOnlySpan{int}, ReadOnlySpan{double}, int?, ReadOnlySpan{double}, bool)"/>
    public static RocCurve RocCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int? posLabel = null, ReadOnlySpan<double> sampleWeight = default, bool dropIntermediate = true) =>
        RocCurve(yTrue, Validate.ToDouble(scores), posLabel, sampleWeight, dropIntermediate);

    /// <summary>
    /// Area under the ROC curve (binary): the trapezoid area under (fpr, tpr), which equals the probability that a
    /// random positive scores above a random negative, ties counting half. The positive class is the larger of the
    /// two labels (as scikit-learn). Exactly two classes must be present: with one class AUC is undefined.
    /// O(n) after an O(n) radix sort; unweighted sums are exact integers, so the result is correctly rounded.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, ReadOnlySpan<double> sampleWeight = default)
    {
        Validate.Pair(yTrue.Length, scores.Length, "yTrue", "scores");
        int pos = TwoClassPositive(yTrue, "ROC AUC");
        var sink = new AreaSink();
        var (p, n) = WalkCurve(yTrue, scores, sampleWeight, pos, ref sink);
        if (p <= 0 || n <= 0) throw new ArgumentException("All samples of one class have weight 0; ROC AUC is undefined.", nameof(sampleWeight));
        return sink.Area2 / (2 * p * n);
    }

    /// <inheritdoc cref="RocAuc(ReadOnlySpan{int}, ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static double RocAuc(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, ReadOnlySpan<double> sampleWeight = default) =>
        RocAuc(yTrue, Validate.ToDouble(scores), sampleWeight);

    /// <summary>The larger of exactly two labels in y_true; throws when one class (or more than two) is present.</summary>
    internal static int TwoClassPositive(ReadOnlySpan<int> yTrue, string metric)
    {
        var (min, max) = Tally.MinMax(yTrue);
        if (min == max) throw new ArgumentException($"Only one class ({min}) is present in yTrue; {metric} is not defined in that case.", nameof(yTrue));
        foreach (var v in yTrue)
            if (v != min && v != max)
                throw new ArgumentException($"yTrue has more than two classes ({min}, {v}, {max}, ...); pass an n x K score matrix for multiclass {metric}.", nameof(yTrue));
        return max;
    }

    /// <summary>
    /// Multiclass ROC AUC from an n x K matrix of class probabilities (rows must sum to 1). OvR: AUC of each class
    /// against the rest, averaged (Macro) or weighted by class prevalence (Weighted). OvO (Hand and Till 2001): for
    /// each pair (a, b), the mean of AUC(a vs b on P(a)) and AUC(b vs a on P(b)) over the samples of a and b,
    /// averaged uniformly (Macro) or by the pair's share of samples (Weighted); OvO takes no sample weights.
    /// Columns follow <paramref name="labels"/> (sorted), else the sorted labels of y_true.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<int> yTrue, double[,] scores, MultiClassAuc multiClass = MultiClassAuc.OvR, Average average = Average.Macro,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default)
    {
        var (flat, n, c) = Validate.Matrix(scores);
        return RocAucMulticlass(yTrue, flat, n, c, multiClass, average, labels, sampleWeight);
    }

    /// <inheritdoc cref="RocAuc(ReadOnlySpan{int}, double[,], MultiClassAuc, Average, int[], ReadOnlySpan{double})"/>
    public static double RocAuc(ReadOnlySpan<int> yTrue, double[][] scores, MultiClassAuc multiClass = MultiClassAuc.OvR, Average average = Average.Macro,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default)
    {
        var (flat, n, c) = Validate.Matrix(scores);
        return RocAucMulticlass(yTrue, flat, n, c, multiClass, average, labels, sampleWeight);
    }

    /// <summary>Per-class one-vs-rest ROC AUC (average None).</summary>
    public static double[] RocAucPerClass(ReadOnlySpan<int> yTrue, double[,] scores, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default)
    {
        var (flat, n, c) = Validate.Matrix(scores);
        return OvrAucs(yTrue, flat, n, c, labels, sampleWeight).Aucs;
    }

    static double RocAucMulticlass(ReadOnlySpan<int> yTrue, double[] flat, int n, int c, MultiClassAuc multiClass, Average average, int[]? labels, ReadOnlySpan<double> w)
    {
        if (average is not (Average.Macro or Average.Weighted))
            throw new ArgumentException($"Multiclass ROC AUC averages Macro or Weighted, got {average}.", nameof(average));
        if (labels is not null && !labels.SequenceEqual(labels.Order()))
            throw new ArgumentException("labels must be sorted ascending, as the score columns are.", nameof(labels));
        Validate.Pair(yTrue.Length, n, "yTrue", "scores");
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < c; j++) sum += flat[i * c + j];
            if (!(Math.Abs(sum - 1) <= 1e-8 + 1e-5)) // numpy.allclose(1, sum)
                throw new ArgumentException($"Score row {i} sums to {sum}; multiclass ROC AUC needs probabilities that sum to 1 over classes (apply softmax).", "scores");
        }
        if (multiClass == MultiClassAuc.OvR)
        {
            var (aucs, prevalence) = OvrAucs(yTrue, flat, n, c, labels, w);
            return average == Average.Macro ? aucs.Average() : WeightedMean(aucs, prevalence);
        }
        if (!w.IsEmpty) throw new ArgumentException("Sample weights are not supported for one-vs-one multiclass ROC AUC (as scikit-learn).", "sampleWeight");
        var (sorted, column) = ClassColumns(yTrue, labels, c, "scores");
        var codes = new int[n];
        for (int i = 0; i < n; i++) codes[i] = Array.BinarySearch(sorted, yTrue[i]);
        int k = sorted.Length;
        var pairScores = new List<double>();
        var pairWeights = new List<double>();
        for (int a = 0; a < k; a++)
            for (int b = a + 1; b < k; b++)
            {
                var ya = new List<int>(); var sa = new List<double>(); var sb = new List<double>();
                for (int i = 0; i < n; i++)
                {
                    if (codes[i] != a && codes[i] != b) continue;
                    ya.Add(codes[i] == a ? 1 : 0);
                    sa.Add(flat[i * c + column[a]]);
                    sb.Add(flat[i * c + column[b]]);
                }
                var yb = ya.Select(v => 1 - v).ToArray();
                double aucA = RocAuc(ya.ToArray(), sa.ToArray());
                double aucB = RocAuc(yb, sb.ToArray());
                pairScores.Add((aucA + aucB) / 2);
                pairWeights.Add((double)ya.Count / n);
            }
        return average == Average.Macro ? pairScores.Average() : WeightedMean(pairScores.ToArray(), pairWeights.ToArray());
    }

    static (double[] Aucs, double[] Prevalence) OvrAucs(ReadOnlySpan<int> yTrue, double[] flat, int n, int c, int[]? labels, ReadOnlySpan<double> w)
    {
        Validate.Pair(yTrue.Length, n, "yTrue", "scores");
        Validate.Finite(flat, "scores");
        var (sorted, column) = ClassColumns(yTrue, labels, c, "scores");
        var aucs = new double[sorted.Length];
        var prevalence = new double[sorted.Length];
        var binary = new int[n];
        var score = new double[n];
        for (int k = 0; k < sorted.Length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                binary[i] = yTrue[i] == sorted[k] ? 1 : 0;
                score[i] = flat[i * c + column[k]];
                if (binary[i] == 1) prevalence[k] += w.IsEmpty ? 1 : w[i];
            }
            aucs[k] = RocAuc(binary, score, w);
        }
        return (aucs, prevalence);
    }

    /// <summary>
    /// Precision-recall curve: for each distinct threshold t, precision = TP / (TP + FP) and recall = TP / P at
    /// score >= t; returned with increasing thresholds (decreasing recall) and a final point (recall 0, precision 1)
    /// without a threshold, as scikit-learn 1.2. With no positives, recall is 1 everywhere (scikit-learn warns).
    /// </summary>
    public static PrecisionRecallCurve PrecisionRecallCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int? posLabel = null, ReadOnlySpan<double> sampleWeight = default)
    {
        int pos = PositiveLabel(yTrue, posLabel);
        var sink = new CurveCollector(yTrue.Length);
        var (p, _) = WalkCurve(yTrue, scores, sampleWeight, pos, ref sink);
        int m = sink.Count;
        var precision = new double[m + 1];
        var recall = new double[m + 1];
        var thresholds = new double[m];
        for (int i = 0; i < m; i++)
        {
            int j = m - 1 - i; // reversed: increasing thresholds
            double tps = sink.Tps[j], ps = tps + sink.Fps[j];
            precision[i] = ps != 0 ? tps / ps : 0;
            recall[i] = p == 0 ? 1 : tps / p;
            thresholds[i] = sink.Thresholds[j];
        }
        precision[m] = 1;
        recall[m] = 0;
        return new PrecisionRecallCurve(precision, recall, thresholds);
    }

    /// <inheritdoc cref="PrecisionRecallCurve(ReadOnlySpan{int}, ReadOnlySpan{double}, int?, ReadOnlySpan{double})"/>
    public static PrecisionRecallCurve PrecisionRecallCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int? posLabel = null, ReadOnlySpan<double> sampleWeight = default) =>
        PrecisionRecallCurve(yTrue, Validate.ToDouble(scores), posLabel, sampleWeight);

    /// <summary>
    /// Average precision AP = sum_n (R_n - R_(n-1)) P_n over the thresholds from high to low: the step-wise area
    /// under the precision-recall curve, without interpolation (scikit-learn's definition; not the trapezoid).
    /// Positive label <paramref name="posLabel"/> (default 1). With no positive samples AP is 0 (scikit-learn warns).
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int posLabel = 1, ReadOnlySpan<double> sampleWeight = default)
    {
        Validate.Pair(yTrue.Length, scores.Length, "yTrue", "scores");
        Validate.AveragePrecisionLabels(DistinctSorted(yTrue), posLabel);
        var sink = new PrecisionSumSink();
        var (p, _) = WalkCurve(yTrue, scores, sampleWeight, posLabel, ref sink);
        return p == 0 ? 0 : sink.Sum / p;
    }

    /// <inheritdoc cref="AveragePrecision(ReadOnlySpan{int}, ReadOnlySpan{double}, int, ReadOnlySpan{double})"/>
    public static double AveragePrecision(ReadOnlySpan<int> yTrue, ReadOnlySpan<float> scores, int posLabel = 1, ReadOnlySpan<double> sampleWeight = default) =>
        AveragePrecision(yTrue, Validate.ToDouble(scores), posLabel, sampleWeight);

    /// <summary>
    /// Detection error trade-off curve: false positive rate FP/N against false negative rate FN/P per threshold,
    /// trimmed as scikit-learn (from the last threshold with the fewest false positives to the first that finds
    /// every positive) and returned with increasing thresholds. Needs both classes.
    /// </summary>
    public static DetCurve DetCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int? posLabel = null, ReadOnlySpan<double> sampleWeight = default)
    {
        int pos = PositiveLabel(yTrue, posLabel);
        TwoClassPositive(yTrue, "the detection error trade-off curve");
        var sink = new CurveCollector(yTrue.Length);
        var (p, n) = WalkCurve(yTrue, scores, sampleWeight, pos, ref sink);
        var fps = sink.Fps; var tps = sink.Tps;
        int count = sink.Count;
        // first: the last index whose fps equals fps[0] (searchsorted right - 1); last: first index reaching all positives.
        int first = 0;
        while (first + 1 < count && fps[first + 1] <= fps[0]) first++;
        int last = 0;
        while (last < count && tps[last] < tps[count - 1]) last++;
        last = Math.Min(last + 1, count);
        int m = Math.Max(0, last - first);
        var fpr = new double[m]; var fnr = new double[m]; var th = new double[m];
        for (int i = 0; i < m; i++)
        {
            int j = last - 1 - i;
            fpr[i] = fps[j] / n;
            fnr[i] = (p - tps[j]) / p;
            th[i] = sink.Thresholds[j];
        }
        return new DetCurve(fpr, fnr, th);
    }
}
