using NotebookKit.Metrics;

namespace NotebookKit.Monitoring;

/// <summary>Rolling quality over the last labelled predictions; <see cref="F1"/> is for class
/// <see cref="PositiveClass"/> when there are two classes.</summary>
public sealed record QualitySnapshot(int Count, double Accuracy, double F1, double? Auc, int PositiveClass = 1);

/// <summary>
/// Live model quality when labels arrive after the predictions: keeps the last <c>windowSize</c> (label, predicted
/// class, class-1 score) triples and computes accuracy, F1 (binary for two classes, with
/// <c>positiveClass</c> as the positive class; else macro) and ROC AUC (binary only, null while the window holds a
/// single class) with <see cref="Score"/>, exactly as on the window's rows at once. AUC does not depend on which
/// class is called positive (ranking by P(class 1) or by 1 − P(class 1) gives the same area), so it always uses the
/// class-1 score. Thread-safe. Introduced in 09-monitoring.
/// </summary>
public sealed class LiveQuality(int windowSize = 500, int classCount = 2, int positiveClass = 1)
{
    readonly (int Label, int Predicted, double Score)[] ring = new (int, int, double)[windowSize > 0 ? windowSize : throw new ArgumentOutOfRangeException(nameof(windowSize))];
    readonly object gate = new();
    int next, filled;

    public int WindowSize => ring.Length;
    public int ClassCount { get; } = classCount >= 2 ? classCount : throw new ArgumentOutOfRangeException(nameof(classCount), "At least 2 classes.");
    /// <summary>The class F1 is reported for with two classes (09 uses malignant, as 01 does).</summary>
    public int PositiveClass { get; } = positiveClass >= 0 && positiveClass < Math.Max(2, classCount) ? positiveClass
        : throw new ArgumentOutOfRangeException(nameof(positiveClass), $"The positive class must be in 0..{classCount - 1}.");
    public long Total { get; private set; }

    /// <param name="positiveScore">The model's probability of class 1 (used for AUC with two classes).</param>
    public void Add(int label, int predicted, double positiveScore)
    {
        if (label < 0 || label >= ClassCount) throw new ArgumentOutOfRangeException(nameof(label), $"Label {label} is outside 0..{ClassCount - 1}.");
        if (!double.IsFinite(positiveScore)) throw new ArgumentException("Score is NaN or infinite.", nameof(positiveScore));
        lock (gate)
        {
            ring[next] = (label, predicted, positiveScore);
            next = (next + 1) % ring.Length;
            if (filled < ring.Length) filled++;
            Total++;
        }
    }

    /// <summary>Quality over the window; null when it is empty.</summary>
    public QualitySnapshot? Compute()
    {
        (int Label, int Predicted, double Score)[] items;
        lock (gate) items = ring.AsSpan(0, filled).ToArray();
        if (items.Length == 0) return null;
        var y = items.Select(i => i.Label).ToArray();
        var p = items.Select(i => i.Predicted).ToArray();
        double acc = Score.Accuracy(y, p);
        double f1 = ClassCount == 2 ? Score.F1(y, p, Average.Binary, posLabel: PositiveClass) : Score.F1(y, p, Average.Macro);
        double? auc = ClassCount == 2 && y.Distinct().Count() == 2 ? Score.RocAuc(y, items.Select(i => i.Score).ToArray()) : null;
        return new QualitySnapshot(items.Length, acc, f1, auc, PositiveClass);
    }
}
