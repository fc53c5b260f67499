using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Metrics;

// Tensor overloads: the work happens on the tensors' device (CPU or CUDA); only k x k counts or a few scalars come
// back to the CPU, never the whole tensor.
public static partial class Score
{
    static void SameCount(Tensor a, Tensor b, string nameA, string nameB)
    {
        if (a.numel() == 0) throw new ArgumentException($"{nameA} is empty; a metric needs at least one sample.", nameA);
        if (a.numel() != b.numel()) throw new ArgumentException($"{nameA} has {a.numel()} entries but {nameB} has {b.numel()}; they must have the same length.", nameB);
    }

    static void IntegerLabels(Tensor t, string name)
    {
        if (t.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool))
            throw new ArgumentException($"{name} has dtype {t.dtype}; labels must be an integer tensor (take argmax of logits, or threshold probabilities).", name);
    }

    static Tensor Weights(Tensor? w, Tensor like, string name = "sampleWeight")
    {
        if (w is null) return ones(like.numel(), dtype: ScalarType.Float64, device: like.device);
        if (w.numel() != like.numel()) throw new ArgumentException($"sampleWeight has {w.numel()} entries for {like.numel()} samples.", name);
        var f = w.flatten().to_type(ScalarType.Float64).to(like.device);
        if (!(isfinite(f).all().item<bool>() && f.ge(0).all().item<bool>())) throw new ArgumentException("sampleWeight must be finite and not negative.", name);
        Validate.WeightTotal(f.sum().item<double>());
        return f;
    }

    /// <summary>The distinct labels of a label tensor, sorted (a few values come back to the CPU).</summary>
    static int[] DistinctLabels(Tensor labels)
    {
        using var scope = NewDisposeScope();
        return unique(labels.flatten()).output.to_type(ScalarType.Int64).cpu().data<long>().Select(v => (int)v).Order().ToArray();
    }

    /// <summary>Finite probabilities in [0, 1], checked on the device: logits or NaN would give a silent wrong loss.</summary>
    static void ProbabilitiesOnDevice(Tensor p, string name)
    {
        using var scope = NewDisposeScope();
        var f = p.flatten().to_type(ScalarType.Float64);
        var bad = f.ge(0).logical_and(f.le(1)).logical_not().nonzero();
        if (bad.shape[0] == 0) return;
        long i = bad[0, 0].item<long>();
        throw new ArgumentException($"{name}[{i}] = {f[i].item<double>()} is not a probability in [0, 1].", name);
    }

    /// <summary>The confusion tally of two label tensors, counted with bincount on their device.</summary>
    internal static Tally TallyOf(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        SameCount(yTrue, yPred, "yTrue", "yPred");
        IntegerLabels(yTrue, "yTrue");
        IntegerLabels(yPred, "yPred");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var t = yTrue.flatten().to_type(ScalarType.Int64);
        var p = yPred.flatten().to_type(ScalarType.Int64).to(t.device);
        long min = Math.Min(t.min().item<long>(), p.min().item<long>());
        long max = Math.Max(t.max().item<long>(), p.max().item<long>());
        long range = max - min + 1;
        if (range > 2048) throw new ArgumentException($"Labels span {min}..{max}; tensor metrics support label ranges up to 2048 values.", nameof(yTrue));
        var cell = (t - min) * range + (p - min);
        var counts = sampleWeight is null
            ? bincount(cell, minlength: range * range).to_type(ScalarType.Float64)
            : bincount(cell, Weights(sampleWeight, t), minlength: range * range);
        var dense = counts.cpu().data<double>().ToArray();
        var inTrue = bincount(t - min, minlength: range).gt(0).cpu().data<bool>().ToArray();
        var inPred = bincount(p - min, minlength: range).gt(0).cpu().data<bool>().ToArray();
        var index = Enumerable.Range(0, (int)range).Where(v => inTrue[v] || inPred[v]).ToArray();
        int k = index.Length;
        var matrix = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) matrix[a * k + b] = dense[index[a] * range + index[b]];
        return new Tally(index.Select(v => (int)(v + min)).ToArray(), matrix, index.Select(v => inTrue[v]).ToArray());
    }

    /// <summary>Accuracy of label tensors (any integer dtype, any device).</summary>
    public static double Accuracy(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        var t = TallyOf(yTrue, yPred, sampleWeight);
        double correct = 0;
        for (int i = 0; i < t.K; i++) correct += t[i, i];
        Validate.WeightTotal(t.Total());
        return correct / t.Total();
    }

    /// <summary>Precision of label tensors; see the array overload for the formula.</summary>
    public static double Precision(Tensor yTrue, Tensor yPred, Average average = Average.Binary, int posLabel = 1, int[]? labels = null, Tensor? sampleWeight = null, double zeroDivision = 0) =>
        Averaged(TallyOf(yTrue, yPred, sampleWeight), 1, average, posLabel, labels, zeroDivision, Ratio.Precision).P;

    /// <summary>Recall of label tensors.</summary>
    public static double Recall(Tensor yTrue, Tensor yPred, Average average = Average.Binary, int posLabel = 1, int[]? labels = null, Tensor? sampleWeight = null, double zeroDivision = 0) =>
        Averaged(TallyOf(yTrue, yPred, sampleWeight), 1, average, posLabel, labels, zeroDivision, Ratio.Recall).R;

    /// <summary>F1 of label tensors.</summary>
    public static double F1(Tensor yTrue, Tensor yPred, Average average = Average.Binary, int posLabel = 1, int[]? labels = null, Tensor? sampleWeight = null, double zeroDivision = 0) =>
        Averaged(TallyOf(yTrue, yPred, sampleWeight), 1, average, posLabel, labels, zeroDivision, Ratio.FScore).F;

    /// <summary>F-beta of label tensors.</summary>
    public static double FBeta(Tensor yTrue, Tensor yPred, double beta, Average average = Average.Binary, int posLabel = 1, int[]? labels = null, Tensor? sampleWeight = null, double zeroDivision = 0) =>
        Averaged(TallyOf(yTrue, yPred, sampleWeight), beta, average, posLabel, labels, zeroDivision, Ratio.FScore).F;

    /// <summary>Confusion matrix of label tensors.</summary>
    public static ConfusionMatrix ConfusionMatrix(Tensor yTrue, Tensor yPred, int[]? labels = null, Tensor? sampleWeight = null,
        ConfusionNormalize normalize = ConfusionNormalize.None, IReadOnlyList<string>? classNames = null) =>
        ConfusionFromTally(TallyOf(yTrue, yPred, sampleWeight), labels, normalize, classNames);

    /// <summary>Matthews correlation coefficient of label tensors.</summary>
    public static double MatthewsCorrCoef(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => MatthewsCorrCoef(TallyOf(yTrue, yPred, sampleWeight));

    /// <summary>Balanced accuracy of label tensors.</summary>
    public static double BalancedAccuracy(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null, bool adjusted = false) => BalancedAccuracy(TallyOf(yTrue, yPred, sampleWeight), adjusted);

    /// <summary>Sorted scores with the cumulative positive and negative weight at each distinct threshold, on the device.</summary>
    static (Tensor Tps, Tensor Fps, double P, double N) DeviceCurve(Tensor yTrue, Tensor scores, Tensor? sampleWeight, int posLabel)
    {
        var s = scores.flatten().to_type(ScalarType.Float64);
        if (!isfinite(s).all().item<bool>()) throw new ArgumentException("scores hold NaN or infinity; scores must be finite.", nameof(scores));
        var w = Weights(sampleWeight, s);
        var positive = yTrue.flatten().to(s.device).eq(posLabel).to_type(ScalarType.Float64);
        var (sorted, order) = s.sort(descending: true, stable: true);
        var tps = (positive * w).index_select(0, order).cumsum(0);
        var fps = ((1 - positive) * w).index_select(0, order).cumsum(0);
        var last = cat([sorted.narrow(0, 1, sorted.numel() - 1).ne(sorted.narrow(0, 0, sorted.numel() - 1)), ones(1, dtype: ScalarType.Bool, device: s.device)]);
        tps = tps.masked_select(last);
        fps = fps.masked_select(last);
        return (tps, fps, tps[-1].item<double>(), fps[-1].item<double>());
    }

    // Large tensors already in CPU memory take the radix-sort path of the arrays (a memory copy is cheaper than
    // libtorch's stable sort); tensors on an accelerator stay there.
    const long CpuShortcut = 1 << 16;

    static bool OnCpu(Tensor a, Tensor b) => a.device_type == DeviceType.CPU && b.device_type == DeviceType.CPU && a.numel() >= CpuShortcut;

    static (int[] Y, double[] S, double[]? W) CpuArrays(Tensor yTrue, Tensor scores, Tensor? sampleWeight)
    {
        using var scope = NewDisposeScope();
        return (yTrue.flatten().to_type(ScalarType.Int32).contiguous().data<int>().ToArray(),
            scores.flatten().to_type(ScalarType.Float64).contiguous().data<double>().ToArray(),
            sampleWeight?.flatten().to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray());
    }

    /// <summary>Binary ROC AUC of a label tensor and a score tensor, sorted and summed on their device.</summary>
    public static double RocAuc(Tensor yTrue, Tensor scores, Tensor? sampleWeight = null)
    {
        SameCount(yTrue, scores, "yTrue", "scores");
        IntegerLabels(yTrue, "yTrue");
        if (OnCpu(yTrue, scores))
        {
            var (y, s, w) = CpuArrays(yTrue, scores, sampleWeight);
            return RocAuc(y, s, w);
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var classes = unique(yTrue.flatten()).output.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
        if (classes.Length == 1) throw new ArgumentException($"Only one class ({classes[0]}) is present in yTrue; ROC AUC is not defined in that case.", nameof(yTrue));
        if (classes.Length > 2) throw new ArgumentException($"yTrue has {classes.Length} classes; pass an n x K score matrix for multiclass ROC AUC.", nameof(yTrue));
        var (tps, fps, p, n) = DeviceCurve(yTrue, scores, sampleWeight, (int)classes[1]);
        if (p <= 0 || n <= 0) throw new ArgumentException("All samples of one class have weight 0; ROC AUC is undefined.", nameof(sampleWeight));
        var zero = zeros(1, dtype: ScalarType.Float64, device: tps.device);
        var tps0 = cat([zero, tps]);
        var fps0 = cat([zero, fps]);
        long m = tps0.numel();
        var area2 = ((fps0.narrow(0, 1, m - 1) - fps0.narrow(0, 0, m - 1)) * (tps0.narrow(0, 1, m - 1) + tps0.narrow(0, 0, m - 1))).sum().item<double>();
        return area2 / (2 * p * n);
    }

    /// <summary>Average precision of a label tensor and a score tensor, on their device.</summary>
    public static double AveragePrecision(Tensor yTrue, Tensor scores, int posLabel = 1, Tensor? sampleWeight = null)
    {
        SameCount(yTrue, scores, "yTrue", "scores");
        IntegerLabels(yTrue, "yTrue");
        if (OnCpu(yTrue, scores))
        {
            var (y, s, w) = CpuArrays(yTrue, scores, sampleWeight);
            return AveragePrecision(y, s, posLabel, w);
        }
        Validate.AveragePrecisionLabels(DistinctLabels(yTrue), posLabel);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (tps, fps, p, _) = DeviceCurve(yTrue, scores, sampleWeight, posLabel);
        if (p == 0) return 0;
        var previous = cat([zeros(1, dtype: ScalarType.Float64, device: tps.device), tps.narrow(0, 0, tps.numel() - 1)]);
        var precision = tps / (tps + fps).clamp_min(double.Epsilon);
        return ((tps - previous) * precision).sum().item<double>() / p;
    }

    static (Tensor T, Tensor P) RegressionPair(Tensor yTrue, Tensor yPred)
    {
        SameCount(yTrue, yPred, "yTrue", "yPred");
        var t = yTrue.flatten().to_type(ScalarType.Float64);
        var p = yPred.flatten().to_type(ScalarType.Float64).to(t.device);
        if (!(isfinite(t).all().item<bool>() && isfinite(p).all().item<bool>())) throw new ArgumentException("yTrue or yPred holds NaN or infinity.", nameof(yPred));
        return (t, p);
    }

    /// <summary>Mean squared error of two tensors, on their device.</summary>
    public static double MeanSquaredError(Tensor yTrue, Tensor yPred)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (t, p) = RegressionPair(yTrue, yPred);
        return (t - p).square().mean().item<double>();
    }

    /// <summary>Mean absolute error of two tensors, on their device.</summary>
    public static double MeanAbsoluteError(Tensor yTrue, Tensor yPred)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (t, p) = RegressionPair(yTrue, yPred);
        return (t - p).abs().mean().item<double>();
    }

    /// <summary>R^2 of two tensors, on their device.</summary>
    public static double R2(Tensor yTrue, Tensor yPred)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (t, p) = RegressionPair(yTrue, yPred);
        if (t.numel() < 2) throw new ArgumentException("R^2 needs at least two samples.", nameof(yTrue));
        double num = (t - p).square().sum().item<double>();
        double den = (t - t.mean()).square().sum().item<double>();
        if (den == 0) return num == 0 ? 1.0 : 0.0;
        return 1 - num / den;
    }

    /// <summary>Binary log loss of a label tensor and a tensor of P(label = 1), on their device (probabilities clipped to [eps, 1 - eps]).</summary>
    public static double LogLoss(Tensor yTrue, Tensor probabilities)
    {
        SameCount(yTrue, probabilities, "yTrue", "probabilities");
        IntegerLabels(yTrue, "yTrue");
        ProbabilitiesOnDevice(probabilities, "probabilities");
        var classes = DistinctLabels(yTrue);
        Validate.BinaryProbabilityLabels(classes);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        const double eps = 2.220446049250313e-16;
        var p = probabilities.flatten().to_type(ScalarType.Float64).clamp(eps, 1 - eps);
        // The probability is that of the larger label, whatever its value (labels {0, 2} as well as {0, 1}).
        var y = yTrue.flatten().to(p.device).eq(classes[1]).to_type(ScalarType.Float64);
        return -(y * p.log() + (1 - y) * (1 - p).log()).mean().item<double>();
    }
}
