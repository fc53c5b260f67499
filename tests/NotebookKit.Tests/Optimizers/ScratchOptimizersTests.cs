using NotebookKit.Optimizers;
using NotebookKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Optimizers;

public class ScratchOptimizersTests
{
    const int Steps = 100;
    const double RelativeTolerance = 1e-6;

    static nn.Module<Tensor, Tensor> Network()
    {
        var model = Models.Mlp(4, [8], 3, activation: "tanh");
        model.to(ScalarType.Float64);
        return model;
    }

    /// <summary>
    /// Trains two identical float64 networks side by side, one with ours and one with torch.optim, on the same
    /// mini-batches (batch k mod 4 of 64 rows), and returns the largest relative parameter difference seen over all steps.
    /// </summary>
    static double LargestRelativeGap(Func<IEnumerable<Parameter>, IParameterOptimizer> ours, Func<IEnumerable<Parameter>, optim.Optimizer> theirs, bool fullBatch = false)
    {
        var generator = new Generator(5);
        var x = randn(new long[] { 64, 4 }, generator: generator, dtype: ScalarType.Float64);
        var y = x[TensorIndex.Colon, TensorIndex.Slice(0, 3)].argmax(1); // a learnable rule, so the runs move far
        var result = OptimizerParity.Compare("test", Network, x, y, Losses.CrossEntropy, ours, theirs, Steps, fullBatch ? 64 : 16, seed: 11);
        // The runs must actually learn, or equality would be trivial.
        Assert.True(result.FinalLossTheirs < 0.9, $"final loss {result.FinalLossTheirs}");
        return result.LargestGap;
    }

    static void AssertMatches(Func<IEnumerable<Parameter>, IParameterOptimizer> ours, Func<IEnumerable<Parameter>, optim.Optimizer> theirs, bool fullBatch = false)
    {
        double gap = LargestRelativeGap(ours, theirs, fullBatch);
        Assert.True(gap <= RelativeTolerance, $"largest relative parameter difference over {Steps} steps: {gap:e2}");
    }

    [Fact] public void Gradient_descent_equals_torch_SGD_on_full_batches_for_100_steps() =>
        AssertMatches(p => Scratch.GradientDescent(p, 0.3), p => optim.SGD(p, 0.3), fullBatch: true);

    [Fact] public void Minibatch_SGD_with_weight_decay_equals_torch_SGD_for_100_steps() =>
        AssertMatches(p => Scratch.Sgd(p, 0.2, weightDecay: 0.01), p => optim.SGD(p, 0.2, weight_decay: 0.01));

    [Fact] public void Momentum_equals_torch_SGD_with_momentum_for_100_steps() =>
        AssertMatches(p => Scratch.Momentum(p, 0.05, 0.9), p => optim.SGD(p, 0.05, momentum: 0.9));

    [Fact] public void Nesterov_equals_torch_SGD_with_nesterov_for_100_steps() =>
        AssertMatches(p => Scratch.Nesterov(p, 0.05, 0.9), p => optim.SGD(p, 0.05, momentum: 0.9, nesterov: true));

    [Fact] public void AdaGrad_equals_torch_Adagrad_for_100_steps() =>
        AssertMatches(p => Scratch.AdaGrad(p, 0.1), p => optim.Adagrad(p, 0.1));

    [Fact] public void RmsProp_equals_torch_RMSprop_for_100_steps() =>
        AssertMatches(p => Scratch.RmsProp(p, 0.01), p => optim.RMSProp(p, 0.01, alpha: 0.99, eps: 1e-8));

    [Fact] public void Adam_with_bias_correction_equals_torch_Adam_for_100_steps() =>
        AssertMatches(p => new ScratchAdam(p, 0.01, 0.9, 0.999, 1e-8), p => optim.Adam(p, 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8));

    [Fact] public void Adam_with_L2_weight_decay_equals_torch_Adam_weight_decay_for_100_steps() =>
        AssertMatches(p => new ScratchAdam(p, 0.01, weightDecay: 0.05), p => optim.Adam(p, 0.01, beta1: 0.9, beta2: 0.999, weight_decay: 0.05));

    [Fact] public void AdamW_equals_torch_AdamW_for_100_steps() =>
        AssertMatches(p => new ScratchAdamW(p, 0.01, weightDecay: 0.1), p => optim.AdamW(p, 0.01, beta1: 0.9, beta2: 0.999, weight_decay: 0.1));

    [Fact]
    public void Adam_without_bias_correction_would_not_match_so_the_comparison_can_fail()
    {
        // The seeds' Adam: moving averages without bias correction. Its first steps are about (1 - β₁) / √(1 - β₂) ≈ 3x too small.
        double gap = LargestRelativeGap(p => new NoBiasCorrectionAdam(p, 0.01), p => optim.Adam(p, 0.01, beta1: 0.9, beta2: 0.999));
        Assert.True(gap > 1e-3, $"gap {gap}");
    }

    sealed class NoBiasCorrectionAdam(IEnumerable<Parameter> p, double lr) : ScratchOptimizer(p, lr)
    {
        protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state)
        {
            var m = state("m"); var v = state("v");
            m.mul_(0.9).add_(0.1 * g);
            v.mul_(0.999).add_(0.001 * g * g);
            p.sub_(LearningRate * m / (v.sqrt() + 1e-8));
        }
    }

    [Fact]
    public void Bad_settings_are_rejected()
    {
        var p = Models.LinearRegression(2).parameters();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScratchSgd(p, -1));
        Assert.Throws<ArgumentException>(() => new ScratchSgd(p, 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new ScratchAdam([], 0.1));
    }
}
