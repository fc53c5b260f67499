using NotebookKit.Compression;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Text;

/// <summary>
/// Distillation for the one-logit text classifiers (10-text-classification-case-study). A logit z is the two-class
/// pair (0, z): softmax((0, z) / T) = (1 − σ(z/T), σ(z/T)), and cross-entropy on it is binary cross-entropy. So the
/// kit's <see cref="Distillation"/> (Hinton et al. 2015: α T² KL on soft targets + (1 − α) CE on labels) applies
/// unchanged to a wrapped student and teacher.
/// </summary>
public static class TextDistillation
{
    /// <summary>
    /// Trains <paramref name="student"/> on token ids <paramref name="x"/> and 0/1 <paramref name="labels"/> against the
    /// frozen <paramref name="teacher"/>'s soft targets σ(z/T). α = 0 is plain training on the hard labels.
    /// </summary>
    public static History Fit(nn.Module<Tensor, Tensor> student, nn.Module<Tensor, Tensor> teacher, Tensor x, int[] labels,
        optim.Optimizer optimizer, int epochs, int batchSize = 32, double temperature = 4, double alpha = 0.7, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length != x.shape[0]) throw new ArgumentException($"{labels.Length} labels for {x.shape[0]} rows.", nameof(labels));
        if (labels.Any(l => l is not (0 or 1))) throw new ArgumentException("Labels must be 0 or 1.", nameof(labels));
        using var y = tensor(labels.Select(l => (long)l).ToArray(), device: x.device);
        var options = new TrainOptions { Epochs = epochs, BatchSize = batchSize, Seed = seed, ProgressEvery = 0 };
        // With α = 0 the soft targets are weighted by zero: a zero logit stands in, and the teacher is not run at all.
        var source = alpha == 0 ? (nn.Module<Tensor, Tensor>)new ZeroLogit() : teacher;
        return Distillation.Fit(new TwoClassLogits(student), new TwoClassLogits(source), x, y, optimizer, options, temperature, alpha);
    }
}

/// <summary>A one-logit classifier seen as two classes: (0, z). It shares the wrapped module's parameters.</summary>
public sealed class TwoClassLogits : nn.Module<Tensor, Tensor>
{
    readonly nn.Module<Tensor, Tensor> inner;

    public TwoClassLogits(nn.Module<Tensor, Tensor> inner) : base(nameof(TwoClassLogits))
    {
        this.inner = inner ?? throw new ArgumentNullException(nameof(inner));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var z = inner.call(x);
        if (z.dim() != 2 || z.shape[1] != 1) throw new ArgumentException($"Expected one logit per row, got [{string.Join(", ", z.shape)}].");
        return cat([zeros_like(z), z], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>One zero logit per row: the teacher of plain training (α = 0), whose soft targets count for nothing.</summary>
sealed class ZeroLogit() : nn.Module<Tensor, Tensor>(nameof(ZeroLogit))
{
    public override Tensor forward(Tensor x) => zeros(x.shape[0], 1, device: x.device);
}
