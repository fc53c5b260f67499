namespace NotebookKit.Metrics;

/// <summary>Per-class precision, recall, F-beta and support, for the labels in <see cref="Labels"/>.</summary>
public sealed record PrecisionRecallFScore(int[] Labels, double[] Precision, double[] Recall, double[] FScore, double[] Support);

/// <summary>
/// Evaluation metrics with scikit-learn's names and semantics (checked against scikit-learn 1.2.1 to 1e-12).
/// Labels are ints, scores doubles or floats, multiclass scores n x k matrices; each metric also takes
/// TorchSharp tensors (see Score.Tensors). Introduced in notebook 01-evaluation-metrics.
/// <para>Every function throws <see cref="ArgumentException"/> naming the problem for empty input, mismatched
/// lengths, negative or non-finite weights, NaN/infinite scores and labels outside the allowed set.</para>
/// </summary>
public static partial class Score
{
    // ---------------------------------------------------------------- accuracy family

    /// <summary>
    /// Accuracy = sum_i w_i [y_i = yhat_i] / sum_i w_i (the fraction correct), or the (weighted) count correct
    /// when <paramref name="normalize"/> is false.
    /// </summary>
    public static double Accuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> sampleWeight = default, bool normalize = true)
    {
        Validate.Pair(yTrue.Length, yPred.Length, "yTrue", "yPred");
        Validate.Weights(sampleWeight, yTrue.Length);
        if (sampleWeight.IsEmpty)
        {
            long correct = 0;
            for (int i = 0; i < yTrue.Length; i++) correct += yTrue[i] == yPred[i] ? 1 : 0;
            return normalize ? (double)correct / yTrue.Length : correct;
        }
        double hit = 0, total = 0;
        for (int i = 0; i < yTrue.Length; i++) { total += sampleWeight[i]; if (yTrue[i] == yPred[i]) hit += sampleWeight[i]; }
        if (!normalize) return hit;
        if (total == 0) throw new ArgumentException("The sample weights sum to zero; a weighted average is undefined.", nameof(sampleWeight));
        return hit / total;
    }

    /// <summary>Hamming loss for single-label classification: the (weighted) fraction of wrong labels, 1 - accuracy.</summary>
    public static double HammingLoss(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> sampleWeight = default)
    {
        Validate.Pair(yTrue.Length, yPred.Length, "yTrue", "yPred");
        Validate.Weights(sampleWeight, yTrue.Length);
        double wrong = 0, total = 0;
        for (int i = 0; i < yTrue.Length; i++)
        {
            double w = sampleWeight.IsEmpty ? 1 : sampleWeight[i];
            total += w;
            if (yTrue[i] != yPred[i]) wrong += w;
        }
        return wrong / total;
    }

    /// <summary>
    /// Balanced accuracy = mean over classes c present in y_true of recall_c = C[c,c] / sum_j C[c,j].
    /// With <paramref name="adjusted"/>, rescaled so chance is 0 and perfect is 1: (score - 1/K) / (1 - 1/K).
    /// Classes that appear only in y_pred are ignored (their recall is undefined).
    /// </summary>
    public static double BalancedAccuracy(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> sampleWeight = default, bool adjusted = false) =>
        BalancedAccuracy(Tally.Count(yTrue, yPred, sampleWeight), adjusted);

    internal static double BalancedAccuracy(Tally t, bool adjusted)
    {
        var recalls = new List<double>();
        for (int c = 0; c < t.K; c++)
        {
            double row = t.RowSum(c);
            if (row != 0) recalls.Add(t[c, c] / row);
        }
        if (recalls.Count == 0) throw new ArgumentException("No class has positive weight in yTrue; balanced accuracy is undefined.", "yTrue");
        double score = recalls.Average();
        if (adjusted)
        {
            double chance = 1.0 / recalls.Count;
            score = (score - chance) / (1 - chance);
        }
        return score;
    }

    // ---------------------------------------------------------------- precision, recall, F

    /// <summary>
    /// Per-class precision P = tp / (tp + fp), recall R = tp / (tp + fn), F-beta = (1 + b^2) P R / (b^2 P + R)
    /// and support = tp + fn, for <paramref name="labels"/> (default: the sorted labels present in either array).
    /// A 0/0 ratio takes <paramref name="zeroDivision"/> (0 or 1); F is 0 when P and R are both 0.
    /// </summary>
    public static PrecisionRecallFScore PrecisionRecallFScoreSupport(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, double beta = 1.0,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        PerClass(Tally.Count(yTrue, yPred, sampleWeight), beta, labels, zeroDivision);

    internal static PrecisionRecallFScore PerClass(Tally t, double beta, int[]? labels, double zeroDivision)
    {
        Validate.ZeroDivision(zeroDivision);
        if (!(beta >= 0)) throw new ArgumentException($"beta must be >= 0, got {beta}.", nameof(beta));
        labels ??= t.Labels;
        var (tp, pred, truth) = t.PerLabel(labels);
        var (p, r, f) = Prf(tp, pred, truth, beta, zeroDivision);
        return new PrecisionRecallFScore(labels, p, r, f, truth);
    }

    static (double[] P, double[] R, double[] F) Prf(double[] tp, double[] pred, double[] truth, double beta, double zeroDivision,
        Ratio warnFor = Ratio.All)
    {
        WarnIllDefined(pred, truth, zeroDivision, warnFor);
        int n = tp.Length;
        var p = new double[n];
        var r = new double[n];
        var f = new double[n];
        double beta2 = beta * beta;
        for (int i = 0; i < n; i++)
        {
            p[i] = pred[i] == 0 ? zeroDivision : tp[i] / pred[i];
            r[i] = truth[i] == 0 ? zeroDivision : tp[i] / truth[i];
            if (double.IsPositiveInfinity(beta)) { f[i] = r[i]; continue; }
            double denom = beta2 * p[i] + r[i];
            f[i] = (1 + beta2) * p[i] * r[i] / (denom == 0 ? 1 : denom);
        }
        return (p, r, f);
    }

    /// <summary>Which ratio a caller reports, so only an ill-defined one of those warns (scikit-learn's warn_for).</summary>
    [Flags]
    internal enum Ratio { Precision = 1, Recall = 2, FScore = 4, All = 7 }

    static void WarnIllDefined(double[] pred, double[] truth, double zeroDivision, Ratio warnFor)
    {
        bool noPred = pred.Any(v => v == 0), noTruth = truth.Any(v => v == 0);
        if (noPred && (warnFor & (Ratio.Precision | Ratio.FScore)) != 0)
            Setup.Warnings.Issue($"precision is ill-defined for a label with no predicted samples; it is set to {zeroDivision} (zeroDivision).");
        if (noTruth && (warnFor & (Ratio.Recall | Ratio.FScore)) != 0)
            Setup.Warnings.Issue($"recall is ill-defined for a label with no true samples; it is set to {zeroDivision} (zeroDivision).");
    }

    /// <summary>Averaged (precision, recall, F-beta) as scikit-learn's precision_recall_fscore_support with an average.</summary>
    internal static (double P, double R, double F) Averaged(Tally t, double beta, Average average, int posLabel, int[]? labels, double zeroDivision,
        Ratio warnFor = Ratio.All)
    {
        Validate.ZeroDivision(zeroDivision);
        if (!(beta >= 0)) throw new ArgumentException($"beta must be >= 0, got {beta}.", nameof(beta));
        if (average == Average.None)
            throw new ArgumentException("Average.None gives one score per class: call the PerClass function (e.g. Score.F1PerClass) instead.", nameof(average));
        if (average == Average.Binary)
        {
            if (t.K > 2)
                throw new ArgumentException($"The labels are multiclass ({t.K} classes: {string.Join(", ", t.Labels.Take(10))}) but average is Binary; choose Micro, Macro, Weighted or None.", nameof(average));
            if (t.IndexOf(posLabel) < 0 && t.K >= 2)
                throw new ArgumentException($"posLabel={posLabel} is not a valid label; it should be one of {string.Join(", ", t.Labels)}.", nameof(posLabel));
            labels = [posLabel];
        }
        labels ??= t.Labels;
        var (tp, pred, truth) = t.PerLabel(labels);
        if (average == Average.Micro)
        {
            tp = [tp.Sum()];
            pred = [pred.Sum()];
            truth = [truth.Sum()];
        }
        var (p, r, f) = Prf(tp, pred, truth, beta, zeroDivision, warnFor);
        if (average == Average.Weighted)
        {
            double wsum = truth.Sum();
            if (wsum == 0)
                return pred.Sum() == 0 ? (zeroDivision, zeroDivision, zeroDivision) : (0.0, zeroDivision, 0.0);
            return (WeightedMean(p, truth), WeightedMean(r, truth), WeightedMean(f, truth));
        }
        return (p.Average(), r.Average(), f.Average());
    }

    static double WeightedMean(double[] x, double[] w)
    {
        double s = 0, ws = 0;
        for (int i = 0; i < x.Length; i++) { s += x[i] * w[i]; ws += w[i]; }
        return s / ws;
    }

    /// <summary>
    /// Precision = tp / (tp + fp): of the samples predicted positive, the fraction that are. Averaged as
    /// <paramref name="average"/> (Binary: only <paramref name="posLabel"/>); 0/0 gives <paramref name="zeroDivision"/>.
    /// </summary>
    public static double Precision(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, Average average = Average.Binary, int posLabel = 1,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        Averaged(Tally.Count(yTrue, yPred, sampleWeight), 1, average, posLabel, labels, zeroDivision, Ratio.Precision).P;

    /// <summary>Recall (sensitivity, true positive rate) = tp / (tp + fn): of the positive samples, the fraction found.</summary>
    public static double Recall(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, Average average = Average.Binary, int posLabel = 1,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        Averaged(Tally.Count(yTrue, yPred, sampleWeight), 1, average, posLabel, labels, zeroDivision, Ratio.Recall).R;

    /// <summary>
    /// F1 = 2 P R / (P + R), the harmonic mean of precision and recall (= 2 tp / (2 tp + fp + fn)). Not (P + R) / 2:
    /// the harmonic mean is low when either is low. 0 when P = R = 0.
    /// </summary>
    public static double F1(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, Average average = Average.Binary, int posLabel = 1,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        Averaged(Tally.Count(yTrue, yPred, sampleWeight), 1, average, posLabel, labels, zeroDivision, Ratio.FScore).F;

    /// <summary>F-beta = (1 + b^2) P R / (b^2 P + R): recall counts b times as much as precision (b = +inf gives recall).</summary>
    public static double FBeta(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, double beta, Average average = Average.Binary, int posLabel = 1,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        Averaged(Tally.Count(yTrue, yPred, sampleWeight), beta, average, posLabel, labels, zeroDivision, Ratio.FScore).F;

    /// <summary>Precision of each label (scikit-learn's average=None).</summary>
    public static double[] PrecisionPerClass(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        PrecisionRecallFScoreSupport(yTrue, yPred, 1, labels, sampleWeight, zeroDivision).Precision;

    /// <summary>Recall of each label (scikit-learn's average=None).</summary>
    public static double[] RecallPerClass(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        PrecisionRecallFScoreSupport(yTrue, yPred, 1, labels, sampleWeight, zeroDivision).Recall;

    /// <summary>F1 of each label (scikit-learn's average=None).</summary>
    public static double[] F1PerClass(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        PrecisionRecallFScoreSupport(yTrue, yPred, 1, labels, sampleWeight, zeroDivision).FScore;

    /// <summary>
    /// Jaccard index = tp / (tp + fp + fn) (intersection over union of predicted and true positives), averaged
    /// as <paramref name="average"/>; Weighted uses the support, or a plain mean when every support is 0.
    /// </summary>
    public static double JaccardScore(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, Average average = Average.Binary, int posLabel = 1,
        int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0)
    {
        var t = Tally.Count(yTrue, yPred, sampleWeight);
        if (average == Average.None) throw new ArgumentException("Average.None gives one score per class: call JaccardPerClass.", nameof(average));
        var (j, truth) = Jaccard(t, average, posLabel, labels, zeroDivision);
        if (average == Average.Weighted && truth.Any(v => v != 0)) return WeightedMean(j, truth);
        return j.Average();
    }

    /// <summary>Jaccard index of each label.</summary>
    public static double[] JaccardPerClass(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0) =>
        Jaccard(Tally.Count(yTrue, yPred, sampleWeight), Average.None, 1, labels, zeroDivision).J;

    static (double[] J, double[] Truth) Jaccard(Tally t, Average average, int posLabel, int[]? labels, double zeroDivision)
    {
        Validate.ZeroDivision(zeroDivision);
        if (average == Average.Binary)
        {
            if (t.K > 2) throw new ArgumentException($"The labels are multiclass ({t.K} classes) but average is Binary; choose Micro, Macro, Weighted or None.", nameof(average));
            if (t.IndexOf(posLabel) < 0 && t.K >= 2) throw new ArgumentException($"posLabel={posLabel} is not a valid label; it should be one of {string.Join(", ", t.Labels)}.", nameof(posLabel));
            labels = [posLabel];
        }
        labels ??= t.Labels;
        var (tp, pred, truth) = t.PerLabel(labels);
        var num = tp;
        var den = tp.Select((v, i) => pred[i] + truth[i] - v).ToArray();
        if (average == Average.Micro) { num = [num.Sum()]; den = [den.Sum()]; }
        var j = num.Select((v, i) => den[i] == 0 ? zeroDivision : v / den[i]).ToArray();
        return (j, truth);
    }

    // ---------------------------------------------------------------- confusion matrix and agreement

    /// <summary>
    /// Confusion matrix C[i, j] = (weighted) number of samples with true label labels[i] predicted as labels[j].
    /// Samples whose true or predicted label is not in <paramref name="labels"/> are left out; at least one given
    /// label must occur in y_true. Normalised by rows (True), columns (Pred) or the total (All); 0/0 becomes 0.
    /// </summary>
    public static ConfusionMatrix ConfusionMatrix(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int[]? labels = null,
        ReadOnlySpan<double> sampleWeight = default, ConfusionNormalize normalize = ConfusionNormalize.None, IReadOnlyList<string>? classNames = null) =>
        ConfusionFromTally(Tally.Count(yTrue, yPred, sampleWeight), labels, normalize, classNames);

    internal static ConfusionMatrix ConfusionFromTally(Tally t, int[]? labels, ConfusionNormalize normalize, IReadOnlyList<string>? classNames)
    {
        labels ??= t.Labels;
        if (labels.Length == 0) throw new ArgumentException("labels is empty.", nameof(labels));
        if (labels.Distinct().Count() != labels.Length) throw new ArgumentException("labels contains duplicates.", nameof(labels));
        var index = labels.Select(t.IndexOf).ToArray();
        if (!index.Any(j => j >= 0 && t.InTrue[j]))
            throw new ArgumentException("None of the given labels occurs in yTrue; at least one must.", nameof(labels));
        int k = labels.Length;
        var counts = new double[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                counts[a, b] = index[a] < 0 || index[b] < 0 ? 0 : t[index[a], index[b]];
        if (classNames is not null && classNames.Count != k && classNames.Count <= labels.Max())
            throw new ArgumentException($"{classNames.Count} class names for {k} labels.", nameof(classNames));
        return new ConfusionMatrix(labels, counts, normalize, classNames);
    }

    /// <summary>
    /// Matthews correlation coefficient (multiclass form, Gorodkin 2004):
    /// (c s - sum_k p_k t_k) / sqrt((s^2 - sum_k p_k^2)(s^2 - sum_k t_k^2)), with c = trace(C), s = total,
    /// t_k, p_k the true and predicted totals. 0 when a denominator factor is 0.
    /// </summary>
    public static double MatthewsCorrCoef(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> sampleWeight = default) =>
        MatthewsCorrCoef(Tally.Count(yTrue, yPred, sampleWeight));

    internal static double MatthewsCorrCoef(Tally t)
    {
        double correct = 0, s = 0, tp = 0, pp = 0, tt = 0;
        var rows = Enumerable.Range(0, t.K).Select(t.RowSum).ToArray();
        var cols = Enumerable.Range(0, t.K).Select(t.ColumnSum).ToArray();
        for (int k = 0; k < t.K; k++) { correct += t[k, k]; s += cols[k]; tp += rows[k] * cols[k]; pp += cols[k] * cols[k]; tt += rows[k] * rows[k]; }
        double covYtYp = correct * s - tp, covYpYp = s * s - pp, covYtYt = s * s - tt;
        return covYpYp * covYtYt == 0 ? 0.0 : covYtYp / Math.Sqrt(covYtYt * covYpYp);
    }

    /// <summary>
    /// Cohen's kappa = 1 - sum(W o C) / sum(W o E), where E = outer(column totals, row totals) / total is the
    /// agreement expected by chance and W the disagreement weights (0/1, |i-j| or (i-j)^2).
    /// </summary>
    public static double CohenKappa(ReadOnlySpan<int> y1, ReadOnlySpan<int> y2, int[]? labels = null, KappaWeights weights = KappaWeights.None,
        ReadOnlySpan<double> sampleWeight = default)
    {
        var t = Tally.Count(y1, y2, sampleWeight);
        var cm = ConfusionFromTally(t, labels, ConfusionNormalize.None, null).Counts;
        int k = cm.GetLength(0);
        var sum0 = new double[k];
        var sum1 = new double[k];
        double total = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) { sum0[j] += cm[i, j]; sum1[i] += cm[i, j]; }
        foreach (var v in sum0) total += v;
        double num = 0, den = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double w = weights switch
                {
                    KappaWeights.Linear => Math.Abs(i - j),
                    KappaWeights.Quadratic => (i - j) * (double)(i - j),
                    _ => i == j ? 0 : 1,
                };
                num += w * cm[i, j];
                den += w * (sum0[i] * sum1[j] / total);
            }
        // Raters who both give one constant label agree by chance alone: kappa is 0/0 (scikit-learn: NaN with a warning).
        if (den == 0) Setup.Warnings.Issue("Cohen's kappa is undefined when both raters give one constant label (chance agreement is 1); the result is NaN.");
        return 1 - num / den;
    }

    // ---------------------------------------------------------------- probabilistic

    /// <summary>
    /// Top-k accuracy: the fraction (weighted) of samples whose true class is among the k highest scores.
    /// Scores are n x K with columns in the order of <paramref name="labels"/> (default: sorted labels of y_true,
    /// which must then be all K classes). Ties are broken as scikit-learn's stable sort: among equal scores the
    /// higher column ranks higher.
    /// </summary>
    public static double TopKAccuracy(ReadOnlySpan<int> yTrue, double[,] scores, int k = 2, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, bool normalize = true)
    {
        var (flat, n, c) = Validate.Matrix(scores);
        return TopKAccuracy(yTrue, flat, n, c, k, labels, sampleWeight, normalize);
    }

    /// <inheritdoc cref="TopKAccuracy(ReadOnlySpan{int}, double[,], int, int[], ReadOnlySpan{double}, bool)"/>
    public static double TopKAccuracy(ReadOnlySpan<int> yTrue, double[][] scores, int k = 2, int[]? labels = null, ReadOnlySpan<double> sampleWeight = default, bool normalize = true)
    {
        var (flat, n, c) = Validate.Matrix(scores);
        return TopKAccuracy(yTrue, flat, n, c, k, labels, sampleWeight, normalize);
    }

    static double TopKAccuracy(ReadOnlySpan<int> yTrue, double[] flat, int n, int c, int k, int[]? labels, ReadOnlySpan<double> w, bool normalize)
    {
        Validate.Pair(yTrue.Length, n, "yTrue", "scores");
        Validate.Weights(w, n);
        Validate.Finite(flat, "scores");
        var classes = ClassColumns(yTrue, labels, c, "scores");
        if (k < 1) throw new ArgumentException($"k must be at least 1, got {k}.", nameof(k));
        if (k >= c) Setup.Warnings.Issue($"top-k accuracy with k = {k} and {c} classes counts every sample as correct; the result is 1.");
        double hit = 0, total = 0;
        for (int i = 0; i < n; i++)
        {
            int t = Array.BinarySearch(classes.Sorted, yTrue[i]);
            int col = classes.Column[t];
            double s = flat[i * c + col];
            int above = 0;
            for (int j = 0; j < c; j++)
            {
                double v = flat[i * c + j];
                if (v > s || (v == s && j > col)) above++;
            }
            double wi = w.IsEmpty ? 1 : w[i];
            total += wi;
            if (above < k) hit += wi;
        }
        return normalize ? hit / total : hit;
    }

    /// <summary>Maps each label to its score column: labels given in column order, or the sorted labels of y_true.</summary>
    internal static (int[] Sorted, int[] Column) ClassColumns(ReadOnlySpan<int> yTrue, int[]? labels, int columns, string scoresName)
    {
        int[] order;
        if (labels is null)
        {
            var set = new SortedSet<int>();
            foreach (var v in yTrue) set.Add(v);
            order = set.ToArray();
            if (order.Length != columns)
                throw new ArgumentException($"yTrue has {order.Length} classes but {scoresName} has {columns} columns; pass labels to say which column is which class.", scoresName);
        }
        else
        {
            order = labels;
            if (order.Length != columns) throw new ArgumentException($"{order.Length} labels for {columns} score columns.", nameof(labels));
            if (order.Distinct().Count() != order.Length) throw new ArgumentException("labels contains duplicates.", nameof(labels));
            var known = order.ToHashSet();
            foreach (var v in yTrue)
                if (!known.Contains(v)) throw new ArgumentException($"yTrue contains label {v}, which is not in labels [{string.Join(", ", order)}].", "yTrue");
        }
        var sorted = order.Order().ToArray();
        var column = sorted.Select(v => Array.IndexOf(order, v)).ToArray();
        return (sorted, column);
    }

    /// <summary>
    /// Log loss (cross-entropy) = -sum_i w_i sum_k [y_i = k] log p_ik / sum_i w_i, with probabilities clipped to
    /// [eps, 1 - eps] (eps = 2.22e-16, double machine epsilon) and each row renormalised to sum 1, as scikit-learn
    /// 1.2. Binary probabilities are P(label = the larger label).
    /// </summary>
    public static double LogLoss(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> probabilities, ReadOnlySpan<double> sampleWeight = default, int[]? labels = null, bool normalize = true)
    {
        Validate.Pair(yTrue.Length, probabilities.Length, "yTrue", "probabilities");
        Validate.Probabilities(probabilities, "probabilities");
        var flat = new double[2 * probabilities.Length];
        for (int i = 0; i < probabilities.Length; i++) { flat[2 * i] = 1 - probabilities[i]; flat[2 * i + 1] = probabilities[i]; }
        var classes = labels ?? DistinctSorted(yTrue);
        Validate.BinaryProbabilityLabels(classes);
        return LogLoss(yTrue, flat, probabilities.Length, 2, sampleWeight, classes, normalize);
    }

    /// <inheritdoc cref="LogLoss(ReadOnlySpan{int}, ReadOnlySpan{double}, ReadOnlySpan{double}, int[], bool)"/>
    public static double LogLoss(ReadOnlySpan<int> yTrue, double[,] probabilities, ReadOnlySpan<double> sampleWeight = default, int[]? labels = null, bool normalize = true)
    {
        var (flat, n, c) = Validate.Matrix(probabilities);
        return LogLoss(yTrue, flat, n, c, sampleWeight, labels, normalize);
    }

    /// <inheritdoc cref="LogLoss(ReadOnlySpan{int}, ReadOnlySpan{double}, ReadOnlySpan{double}, int[], bool)"/>
    public static double LogLoss(ReadOnlySpan<int> yTrue, double[][] probabilities, ReadOnlySpan<double> sampleWeight = default, int[]? labels = null, bool normalize = true)
    {
        var (flat, n, c) = Validate.Matrix(probabilities);
        return LogLoss(yTrue, flat, n, c, sampleWeight, labels, normalize);
    }

    static double LogLoss(ReadOnlySpan<int> yTrue, double[] flat, int n, int c, ReadOnlySpan<double> w, int[]? labels, bool normalize)
    {
        Validate.Pair(yTrue.Length, n, "yTrue", "probabilities");
        Validate.Weights(w, n);
        Validate.Finite(flat, "probabilities");
        if (c < 2) throw new ArgumentException("Log loss needs at least two classes.", "probabilities");
        var sorted = (labels ?? DistinctSorted(yTrue)).Order().ToArray();
        if (sorted.Length != c)
            throw new ArgumentException($"yTrue has {sorted.Length} classes but the probabilities have {c} columns; pass labels to name the columns.", "probabilities");
        const double eps = 2.220446049250313e-16;
        double total = 0, wsum = 0;
        var row = new double[c];
        for (int i = 0; i < n; i++)
        {
            int t = Array.BinarySearch(sorted, yTrue[i]);
            if (t < 0) throw new ArgumentException($"yTrue[{i}] = {yTrue[i]} is not in labels [{string.Join(", ", sorted)}].", "yTrue");
            double sum = 0;
            for (int j = 0; j < c; j++) { row[j] = Math.Clamp(flat[i * c + j], eps, 1 - eps); sum += row[j]; }
            double loss = -Math.Log(row[t] / sum);
            double wi = w.IsEmpty ? 1 : w[i];
            total += wi * loss;
            wsum += wi;
        }
        return normalize ? total / wsum : total;
    }

    internal static int[] DistinctSorted(ReadOnlySpan<int> y)
    {
        var set = new SortedSet<int>();
        foreach (var v in y) set.Add(v);
        return set.ToArray();
    }

    /// <summary>
    /// Brier score = sum_i w_i (p_i - [y_i = posLabel])^2 / sum_i w_i, the mean squared error of the predicted
    /// probability of the positive class. Probabilities must lie in [0, 1]; labels must be binary.
    /// </summary>
    public static double BrierScore(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> probabilities, ReadOnlySpan<double> sampleWeight = default, int? posLabel = null)
    {
        Validate.Pair(yTrue.Length, probabilities.Length, "yTrue", "probabilities");
        Validate.Weights(sampleWeight, yTrue.Length);
        Validate.Probabilities(probabilities, "probabilities");
        int pos = PositiveLabel(yTrue, posLabel);
        double s = 0, ws = 0;
        for (int i = 0; i < yTrue.Length; i++)
        {
            double d = (yTrue[i] == pos ? 1.0 : 0.0) - probabilities[i];
            double wi = sampleWeight.IsEmpty ? 1 : sampleWeight[i];
            s += wi * d * d;
            ws += wi;
        }
        return s / ws;
    }

    /// <summary>
    /// The positive label of binary targets, as scikit-learn's _check_pos_label_consistency: the given one, else 1
    /// when the labels are {0, 1} or {-1, 1} (or a subset); otherwise the caller must say.
    /// </summary>
    internal static int PositiveLabel(ReadOnlySpan<int> yTrue, int? posLabel)
    {
        var present = DistinctSorted(yTrue);
        if (present.Length > 2)
            throw new ArgumentException($"yTrue has {present.Length} classes ({string.Join(", ", present.Take(10))}); this metric is for binary labels.", nameof(yTrue));
        if (posLabel is int given) return given;
        if (present.All(v => v is 0 or 1) || present.All(v => v is -1 or 1)) return 1;
        throw new ArgumentException($"yTrue's labels are {{{string.Join(", ", present)}}}, not {{0, 1}} or {{-1, 1}}; pass posLabel to say which is positive.", nameof(posLabel));
    }
}
