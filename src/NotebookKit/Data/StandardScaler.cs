using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>
/// Standardises features: z = (x - mean) / std, with mean and population std (as scikit-learn) learnt from the
/// training rows only, so no test information leaks into training. Constant columns keep std 1.
/// </summary>
public sealed class StandardScaler : ITensorTransform
{
    public Tensor? Mean { get; private set; }
    public Tensor? Std { get; private set; }

    public StandardScaler Fit(Tensor x)
    {
        if (x.dim() != 2 || x.shape[0] == 0) throw new ArgumentException($"Fit needs a non-empty 2-D tensor, got shape [{string.Join(", ", x.shape)}].", nameof(x));
        using var _ = no_grad();
        Mean?.Dispose(); Std?.Dispose();
        Mean = x.mean([0]).detach().DetachFromDisposeScope();
        var std = x.std([0], unbiased: false);
        Std = where(std.eq(0), ones_like(std), std).detach().DetachFromDisposeScope();
        return this;
    }

    public Tensor Transform(Tensor x)
    {
        if (Mean is null || Std is null) throw new InvalidOperationException("Call Fit on the training rows before Transform.");
        if (x.dim() != 2 || x.shape[1] != Mean.shape[0])
            throw new ArgumentException($"Transform expects [n, {Mean.shape[0]}], got [{string.Join(", ", x.shape)}].", nameof(x));
        return (x - Mean.to(x.device)) / Std.to(x.device);
    }

    public Tensor FitTransform(Tensor x) => Fit(x).Transform(x);

    ITensorTransform ITensorTransform.Fit(Tensor x) => Fit(x);
}
