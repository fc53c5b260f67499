using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Metrics;

/// <summary>
/// A metric computed over mini-batches without keeping every prediction: <c>Update</c> per batch, <c>Compute</c>
/// at the end, <c>Reset</c> to start again. Tensor batches are reduced where they live; only small sums move.
/// </summary>
public interface IStreamingMetric
{
    void Reset();
    /// <summary>Number of samples seen since the last reset.</summary>
    long Count { get; }
}

/// <summary>
/// Streaming confusion matrix, and from it accuracy, precision, recall and F1 exactly as the batch functions would
/// give on all the predictions at once.
/// </summary>
public sealed class StreamingConfusion : IStreamingMetric
{
    readonly Dictionary<(int True, int Pred), double> cells = [];
    readonly HashSet<int> trueLabels = [];
    public long Count { get; private set; }

    public void Reset() { cells.Clear(); trueLabels.Clear(); Count = 0; }

    public void Update(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, ReadOnlySpan<double> sampleWeight = default) =>
        Merge(Tally.Count(yTrue, yPred, sampleWeight), yTrue.Length);

    /// <summary>Adds a batch of label tensors (any integer type, any device); counting happens on that device.</summary>
    public void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
        Merge(Score.TallyOf(yTrue, yPred, sampleWeight), yTrue.numel());

    void Merge(Tally t, long n)
    {
        for (int i = 0; i < t.K; i++)
        {
            if (t.InTrue[i]) trueLabels.Add(t.Labels[i]);
            for (int j = 0; j < t.K; j++)
            {
                double v = t[i, j];
                if (v == 0 && !(i == j)) continue;
                cells[(t.Labels[i], t.Labels[j])] = cells.GetValueOrDefault((t.Labels[i], t.Labels[j])) + v;
            }
        }
        Count += n;
    }

    internal Tally ToTally()
    {
        if (Count == 0) throw new InvalidOperationException("No batch was added since the last Reset.");
        var labels = cells.Keys.SelectMany(k => new[] { k.True, k.Pred }).Distinct().Order().ToArray();
        int k = labels.Length;
        var matrix = new double[k * k];
        foreach (var ((t, p), v) in cells) matrix[Array.BinarySearch(labels, t) * k + Array.BinarySearch(labels, p)] += v;
        return new Tally(labels, matrix, labels.Select(trueLabels.Contains).ToArray());
    }

    public ConfusionMatrix Compute(int[]? labels = null, ConfusionNormalize normalize = ConfusionNormalize.None) => Score.ConfusionFromTally(ToTally(), labels, normalize, null);

    public double Accuracy()
    {
        var t = ToTally();
        double correct = 0;
        for (int i = 0; i < t.K; i++) correct += t[i, i];
        return correct / t.Total();
    }

    public double Precision(Average average = Average.Binary, int posLabel = 1, double zeroDivision = 0) => Score.Averaged(ToTally(), 1, average, posLabel, null, zeroDivision).P;
    public double Recall(Average average = Average.Binary, int posLabel = 1, double zeroDivision = 0) => Score.Averaged(ToTally(), 1, average, posLabel, null, zeroDivision).R;
    public double F1(Average average = Average.Binary, int posLabel = 1, double zeroDivision = 0) => Score.Averaged(ToTally(), 1, average, posLabel, null, zeroDivision).F;
}

/// <summary>Streaming regression errors: running (weighted) sums of squared and absolute errors give MSE, RMSE and MAE.</summary>
public sealed class StreamingRegression : IStreamingMetric
{
    double squared, absolute, weight;
    public long Count { get; private set; }

    public void Reset() { squared = absolute = weight = 0; Count = 0; }

    public void Update(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred)
    {
        Validate.Pair(yTrue.Length, yPred.Length, "yTrue", "yPred");
        Validate.Finite(yTrue, "yTrue");
        Validate.Finite(yPred, "yPred");
        for (int i = 0; i < yTrue.Length; i++)
        {
            double d = yTrue[i] - yPred[i];
            squared += d * d;
            absolute += Math.Abs(d);
        }
        weight += yTrue.Length;
        Count += yTrue.Length;
    }

    public void Update(Tensor yTrue, Tensor yPred)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        if (yTrue.numel() != yPred.numel()) throw new ArgumentException($"yTrue has {yTrue.numel()} entries but yPred has {yPred.numel()}.", nameof(yPred));
        Validate.NotEmpty((int)Math.Min(int.MaxValue, yTrue.numel()), "yTrue");
        var d = yTrue.flatten().to_type(ScalarType.Float64) - yPred.flatten().to_type(ScalarType.Float64).to(yTrue.device);
        if (!isfinite(d).all().item<bool>()) throw new ArgumentException("yTrue or yPred holds NaN or infinity.", nameof(yPred));
        squared += (d * d).sum().item<double>();
        absolute += d.abs().sum().item<double>();
        weight += yTrue.numel();
        Count += yTrue.numel();
    }

    double Check() => Count == 0 ? throw new InvalidOperationException("No batch was added since the last Reset.") : weight;
    public double MeanSquaredError() => squared / Check();
    public double RootMeanSquaredError() => Math.Sqrt(MeanSquaredError());
    public double MeanAbsoluteError() => absolute / Check();

    /// <summary>All three errors of the samples seen so far.</summary>
    public (double MeanSquaredError, double RootMeanSquaredError, double MeanAbsoluteError) Compute() =>
        (MeanSquaredError(), RootMeanSquaredError(), MeanAbsoluteError());
}

/// <summary>
/// Streaming ROC AUC over scores in [<see cref="Min"/>, <see cref="Max"/>] (default [0, 1]) with a fixed histogram of
/// <see cref="Bins"/> equal-width bins per class: memory stays O(bins) however many batches come. The result is the
/// exact AUC of the scores rounded down to their bin (ties within a bin count half), so it differs from the exact
/// AUC only by pairs that share a bin: |error| &lt;= (share of positive-negative pairs in a common bin) / 2.
/// </summary>
public sealed class StreamingAuc(int bins = 1 << 16, double min = 0, double max = 1) : IStreamingMetric
{
    public int Bins { get; } = bins >= 2 ? bins : throw new ArgumentException($"bins must be at least 2, got {bins}.", nameof(bins));
    public double Min { get; } = min;
    public double Max { get; } = max > min ? max : throw new ArgumentException($"max ({max}) must exceed min ({min}).", nameof(max));
    readonly double[] positives = new double[bins];
    readonly double[] negatives = new double[bins];
    public long Count { get; private set; }

    public void Reset() { Array.Clear(positives); Array.Clear(negatives); Count = 0; }

    /// <summary>The bin of a score: floor((s - min) / (max - min) * bins), the top edge in the last bin.</summary>
    public int BinOf(double score) => Math.Min(Bins - 1, (int)Math.Floor((score - Min) / (Max - Min) * Bins));

    public void Update(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int posLabel = 1)
    {
        Validate.Pair(yTrue.Length, scores.Length, "yTrue", "scores");
        for (int i = 0; i < scores.Length; i++)
        {
            double s = scores[i];
            if (!(s >= Min && s <= Max)) throw new ArgumentException($"scores[{i}] = {s} is outside [{Min}, {Max}].", nameof(scores));
            if (yTrue[i] == posLabel) positives[BinOf(s)]++; else negatives[BinOf(s)]++;
        }
        Count += yTrue.Length;
    }

    /// <summary>Adds a batch of tensors; the histogram is built on the tensors' device and only the bin counts move.</summary>
    public void Update(Tensor yTrue, Tensor scores, int posLabel = 1)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        if (yTrue.numel() != scores.numel()) throw new ArgumentException($"yTrue has {yTrue.numel()} entries but scores has {scores.numel()}.", nameof(scores));
        var s = scores.flatten().to_type(ScalarType.Float64);
        using Scalar min = Min.ToScalar(), max = Max.ToScalar(), range = (Max - Min).ToScalar();
        using Scalar bins = Bins.ToScalar(), lastBin = (Bins - 1).ToScalar(), positive = posLabel.ToScalar();
        if (!(s.ge(min).all().item<bool>() && s.le(max).all().item<bool>())) throw new ArgumentException($"scores hold values outside [{Min}, {Max}] (or NaN).", nameof(scores));
        var bin = ((s - min) / range * bins).floor().clamp_max(lastBin).to_type(ScalarType.Int64);
        var isPos = yTrue.flatten().to(s.device).eq(positive);
        var pos = bincount(bin.masked_select(isPos), minlength: Bins).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var neg = bincount(bin.masked_select(isPos.logical_not()), minlength: Bins).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        for (int b = 0; b < Bins; b++) { positives[b] += pos[b]; negatives[b] += neg[b]; }
        Count += yTrue.numel();
    }

    public double Compute()
    {
        double p = positives.Sum(), n = negatives.Sum();
        if (p == 0 || n == 0) throw new InvalidOperationException("ROC AUC needs both classes among the samples seen so far.");
        double area2 = 0, tps = 0, fps = 0;
        for (int b = Bins - 1; b >= 0; b--)
        {
            if (positives[b] == 0 && negatives[b] == 0) continue;
            double t2 = tps + positives[b], f2 = fps + negatives[b];
            area2 += (f2 - fps) * (t2 + tps);
            tps = t2; fps = f2;
        }
        return area2 / (2 * p * n);
    }
}
