using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Optimizers;

/// <summary>
/// TorchSharp's optimizers with PyTorch's (and Keras's) defaults. TorchSharp's <c>optim.Adam</c> and
/// <c>optim.AdamW</c> default to β₂ = 0.99; PyTorch and Keras use 0.999 (notebook 03 shows why it matters).
/// </summary>
public static class Optim
{
    /// <summary>Adam with torch.optim.Adam's defaults: β = (0.9, 0.999), ε = 1e-8.</summary>
    public static optim.Optimizer Adam(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr = 1e-3,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0) =>
        optim.Adam(parameters, lr, beta1, beta2, eps, weightDecay);

    /// <summary>AdamW with torch.optim.AdamW's defaults: β = (0.9, 0.999), ε = 1e-8, weight decay 0.01.</summary>
    public static optim.Optimizer AdamW(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr = 1e-3,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01) =>
        optim.AdamW(parameters, lr, beta1, beta2, eps, weightDecay);
}
