using NotebookKit.Setup;
using NotebookKit.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Training;

/// <summary>
/// Keras's defaults, for recipes written for Keras (introduced in 01-evaluation-metrics). A Keras model differs
/// from the same TorchSharp layers in three defaults: Dense and Conv layers start from Glorot-uniform weights and
/// zero biases (torch: Kaiming-uniform with a ±1/√fan_in bias), Adam uses ε = 1e-7 added before bias correction
/// (torch: 1e-8 after it), and binary cross-entropy clips probabilities to [ε, 1 - ε].
/// </summary>
public static class Keras
{
    /// <summary>keras.backend.epsilon(): the fuzz factor of Adam and of the probability clipping.</summary>
    public const double Epsilon = 1e-7;

    /// <summary>keras.optimizers.Adam() with its defaults: η = 1e-3, β = (0.9, 0.999), ε = 1e-7.</summary>
    public static KerasAdam Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3) => new(parameters, learningRate);

    /// <summary>
    /// Re-initialises every Linear and Conv layer of <paramref name="model"/> as Keras's Dense and Conv do:
    /// weights uniform in ±√(6 / (fan_in + fan_out)) (glorot_uniform), biases zero. Returns the model.
    /// </summary>
    public static T GlorotInit<T>(T model) where T : nn.Module
    {
        using var _ = no_grad();
        int layers = 0;
        foreach (var m in model.modules())
        {
            var (weight, bias) = m switch
            {
                Linear l => (l.weight, l.bias),
                Conv1d c => (c.weight, c.bias),
                Conv2d c => (c.weight, c.bias),
                _ => (null, null),
            };
            if (weight is null) continue;
            nn.init.xavier_uniform_(weight);
            if (bias is not null) nn.init.zeros_(bias);
            layers++;
        }
        if (layers == 0) throw new ArgumentException("The model has no Linear or Conv layer to initialise.", nameof(model));
        return model;
    }

    /// <summary>
    /// keras.losses.BinaryCrossentropy on probabilities: probabilities clipped to [ε, 1 - ε], then the mean of
    /// -(y log p + (1 - y) log(1 - p)).
    /// </summary>
    public static Tensor BinaryCrossEntropy(Tensor probabilities, Tensor targets) =>
        nn.functional.binary_cross_entropy(probabilities.clamp(Held.Of(Epsilon), Held.Of(1 - Epsilon)), targets);
}

/// <summary>
/// Adam exactly as Keras 3 steps it: m ← m + (g - m)(1 - β₁), v ← v + (g² - v)(1 - β₂),
/// p ← p - η √(1 - β₂ᵗ) / (1 - β₁ᵗ) · m / (√v + ε). The ε sits before the bias correction, so in torch's form it is
/// ε / √(1 - β₂ᵗ): larger in the first steps (3.2e-6 at t = 1 for ε = 1e-7), which matters only for tiny gradients.
/// </summary>
public sealed class KerasAdam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9,
    double beta2 = 0.999, double epsilon = Keras.Epsilon) : ScratchOptimizer(parameters, learningRate)
{
    protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state)
    {
        var m = state("first moment");
        var v = state("second moment");
        using var keep1 = (1 - beta1).ToScalar();
        using var keep2 = (1 - beta2).ToScalar();
        using var eps = epsilon.ToScalar();
        using var alpha = (LearningRate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t))).ToScalar();
        m.PlusInPlace((g - m) * keep1);
        v.PlusInPlace((g * g - v) * keep2);
        p.sub_(m * alpha / v.sqrt().Plus(eps));
    }
}
