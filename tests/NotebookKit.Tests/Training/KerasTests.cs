using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Training;

public class KerasTests
{
    public KerasTests() => Kit.Setup(seed: 3);

    // Closed form for a constant gradient g: m_t = (1 - β₁ᵗ) g and v_t = (1 - β₂ᵗ) g², so Keras's step t moves the
    // parameter by η √(1 - β₂ᵗ) g / (√(1 - β₂ᵗ) |g| + ε).
    static double KerasAdamPath(double g, int steps, double lr = 1e-3, double eps = 1e-7)
    {
        double p = 0;
        for (int t = 1; t <= steps; t++)
        {
            double s = Math.Sqrt(1 - Math.Pow(0.999, t));
            p -= lr * s * g / (s * Math.Abs(g) + eps);
        }
        return p;
    }

    [Theory]
    [InlineData(1.0)]      // ε negligible: about η per step
    [InlineData(1e-6)]     // ε of the same order as √v: Keras's placement of ε matters
    public void KerasAdam_follows_the_closed_form_path_for_a_constant_gradient(double g)
    {
        var p = new TorchSharp.Modules.Parameter(zeros(1, dtype: float64));
        using var adam = Keras.Adam([p]);
        for (int t = 0; t < 20; t++)
        {
            adam.ZeroGrad();
            (p * g).sum().backward();
            adam.Step();
        }
        Assert.Equal(KerasAdamPath(g, 20), p.item<double>(), 12);
    }

    [Fact]
    public void KerasAdam_differs_from_torch_Adam_with_the_same_epsilon_on_tiny_gradients()
    {
        // torch's form adds ε after bias correction: the first step is η g / (|g| + ε) = η / 2 for g = ε.
        var p = new TorchSharp.Modules.Parameter(zeros(1, dtype: float64));
        using var adam = Keras.Adam([p]);
        (p * 1e-7).sum().backward();
        adam.Step();
        double keras = -p.item<double>(), torchForm = 1e-3 / 2;
        Assert.Equal(1e-3 * Math.Sqrt(1e-3) / (Math.Sqrt(1e-3) + 1), keras, 15);
        Assert.True(keras < 0.1 * torchForm);
    }

    [Fact]
    public void GlorotInit_draws_weights_within_the_Glorot_limit_and_zeroes_biases()
    {
        var model = Keras.GlorotInit(Models.Mlp(30, new[] { 128, 64 }, 1));
        var linears = model.modules().OfType<TorchSharp.Modules.Linear>().ToArray();
        Assert.Equal(3, linears.Length);
        foreach (var l in linears)
        {
            long fanOut = l.weight.shape[0], fanIn = l.weight.shape[1];
            double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            var w = l.weight.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            Assert.All(w, v => Assert.InRange(v, -limit, limit));
            if (w.Length > 1000)   // uniform(-a, a) has variance a² / 3
                Assert.InRange(w.Select(v => v * v).Average(), 0.9 * limit * limit / 3, 1.1 * limit * limit / 3);
            Assert.Equal(0.0, l.bias!.abs().max().item<float>());
        }
    }

    [Fact]
    public void GlorotInit_rejects_a_model_without_layers_to_initialise()
    {
        var e = Assert.Throws<ArgumentException>(() => Keras.GlorotInit(nn.ReLU()));
        Assert.Contains("no Linear or Conv layer", e.Message);
    }

    [Fact]
    public void BinaryCrossEntropy_clips_probabilities_at_epsilon_like_Keras()
    {
        // p = 0 for a positive: -log(1e-7) after clipping, instead of torch's clamp of the log at -100.
        double loss = Keras.BinaryCrossEntropy(zeros(1, dtype: float64), ones(1, dtype: float64)).item<double>();
        Assert.Equal(-Math.Log(1e-7), loss, 9);
    }
}
