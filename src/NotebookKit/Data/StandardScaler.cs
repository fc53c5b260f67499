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
        TransformCheck.FitInput(x, nameof(StandardScaler));
        using var _ = no_grad();
        Mean?.Dispose(); Std?.Dispose();
        Mean = x.mean([0]).detach().DetachFromDisposeScope();
        var std = x.std([0], unbiased: false);
        Std = TransformCheck.SafeScale(std).detach().DetachFromDisposeScope();
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
