using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>
/// Standardises features: z = (x - mean) / std, with mean and population std (as scikit-learn) learnt from the
/// training rows only, so no test information leaks into training. Constant columns keep std 1. NaN cells are
/// ignored when fitting and stay NaN, as in scikit-learn.
/// </summary>
public sealed class StandardScaler : ITensorTransform
{
    public Tensor? Mean { get; private set; }
    public Tensor? Std { get; private set; }

    public StandardScaler Fit(Tensor x)
    {
        TransformCheck.FitInput(x, nameof(StandardScaler));
        using var _ = no_grad();
        Mean?.Dispose(); Std?.Dispose();
        using var scope = NewDisposeScope();
        // As scikit-learn: NaN cells are missing values, ignored by the fit (and kept as NaN by Transform).
        var present = x.isnan().logical_not();
        if (x.isinf().any().item<bool>()) throw new ArgumentException("StandardScaler.Fit: x holds infinity; only NaN may mark a missing value.", nameof(x));
        var counts = present.sum([0]).to_type(x.dtype);
        if (counts.eq(0).any().item<bool>())
            throw new ArgumentException($"StandardScaler.Fit: column {counts.eq(0).nonzero()[0, 0].item<long>()} holds only NaN; there is nothing to learn a scale from.", nameof(x));
        var filled = where(present, x, zeros_like(x));
        var mean = filled.sum([0]) / counts;
        var centred = where(present, x - mean, zeros_like(x));
        var std = (centred.square().sum([0]) / counts).sqrt();
        Mean = mean.detach().MoveToOuterDisposeScope();
        Std = TransformCheck.SafeScale(std).detach().MoveToOuterDisposeScope();
        Mean.DetachFromDisposeScope(); Std.DetachFromDisposeScope();
        return this;
    }

    public Tensor Transform(Tensor x)
    {
        TransformCheck.TransformInput(x, Mean, nameof(StandardScaler));
        return (x - Mean!.to(x.device)) / Std!.to(x.device);
    }

    public Tensor FitTransform(Tensor x) => Fit(x).Transform(x);

    ITensorTransform ITensorTransform.Fit(Tensor x) => Fit(x);
}
