using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Optimizers;

/// <summary>What a training loop needs from an optimizer: clear gradients, take a step, read or set the learning rate.</summary>
public interface IParameterOptimizer
{
    double LearningRate { get; set; }
    void ZeroGrad();
    void Step();
}

/// <summary>Wraps a TorchSharp optimizer (torch.optim) as an <see cref="IParameterOptimizer"/>.</summary>
public sealed class TorchOptimizer(optim.Optimizer inner) : IParameterOptimizer, IDisposable
{
    public optim.Optimizer Inner { get; } = inner;
    public double LearningRate
    {
        get => Inner.ParamGroups.First().LearningRate;
        set { foreach (var g in Inner.ParamGroups) g.LearningRate = value; }
    }
    public void ZeroGrad() => Inner.zero_grad();
    public void Step() => Inner.step();
    public void Dispose() => Inner.Dispose();
}

/// <summary>
/// Base of the from-scratch optimizers (introduced in 03-optimizers): each step runs under no_grad and calls
/// <see cref="Update"/> once per parameter with its gradient g, the step count t (1 on the first step) and the
/// parameter's own state tensors. Subclasses are a few lines of tensor maths each.
/// </summary>
public abstract class ScratchOptimizer : IParameterOptimizer, IDisposable
{
    readonly Parameter[] parameters;
    readonly Dictionary<(int, string), Tensor> state = [];

    protected ScratchOptimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        this.parameters = parameters.ToArray();
        if (this.parameters.Length == 0) throw new ArgumentException("No parameters to optimise.", nameof(parameters));
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"Learning rate must be non-negative, got {learningRate}.");
        LearningRate = learningRate;
    }

    public double LearningRate { get; set; }
    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }

    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    public void Step()
    {
        using var _ = no_grad();
        StepCount++;
        for (int i = 0; i < parameters.Length; i++)
        {
            var g = parameters[i].grad;
            if (g is null) continue;
            using var scope = NewDisposeScope();
            Update(parameters[i], g, StepCount, name => State(i, name, parameters[i]));
        }
    }

    /// <summary>Updates <paramref name="p"/> in place. <paramref name="state"/>(name) is a zero-initialised tensor shaped like p that persists across steps.</summary>
    protected abstract void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state);

    /// <summary>Frees the state tensors, which live outside every dispose scope.</summary>
    public void Dispose()
    {
        foreach (var s in state.Values) s.Dispose();
        state.Clear();
    }

    Tensor State(int index, string name, Tensor like)
    {
        if (!state.TryGetValue((index, name), out var s))
        {
            s = zeros_like(like).DetachFromDisposeScope();
            state[(index, name)] = s;
        }
        return s;
    }
}

/// <summary>
/// Gradient descent with optional (heavy-ball or Nesterov) momentum and L2 weight decay, the same update as torch.optim.SGD:
/// g ← ∇ + λ p;  with momentum μ: v ← μ v + g (v₁ = g), then g ← v, or g ← g + μ v for Nesterov;  p ← p - η g.
/// Full-batch gradients make it gradient descent; mini-batch gradients make it SGD.
/// </summary>
public sealed class ScratchSgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
    : ScratchOptimizer(parameters, learningRate)
{
    public double Momentum { get; } = momentum >= 0 ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum), "momentum must be non-negative.");
    public bool Nesterov { get; } = !nesterov || momentum > 0 ? nesterov : throw new ArgumentException("Nesterov needs a positive momentum.", nameof(nesterov));

    protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state)
    {
        if (weightDecay != 0) g = g + weightDecay * p;
        if (Momentum != 0)
        {
            var v = state("velocity");
            if (t == 1) v.copy_(g); else v.mul_(Momentum).add_(g);
            g = Nesterov ? g + Momentum * v : v;
        }
        p.sub_(LearningRate * g);
    }
}

/// <summary>
/// AdaGrad: per-coordinate rates shrink with the sum of squared gradients, as torch.optim.Adagrad:
/// s ← s + g²;  p ← p - η g / (√s + ε).
/// </summary>
public sealed class ScratchAdaGrad(IEnumerable<Parameter> parameters, double learningRate = 0.01, double epsilon = 1e-10)
    : ScratchOptimizer(parameters, learningRate)
{
    protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state)
    {
        var s = state("sum of squares");
        s.add_(g * g);
        p.sub_(LearningRate * g / (s.sqrt() + epsilon));
    }
}

/// <summary>
/// RMSProp: a moving average of squared gradients with weight (1 - α) on the new one, as torch.optim.RMSprop:
/// s ← α s + (1 - α) g²;  p ← p - η g / (√s + ε).
/// </summary>
public sealed class ScratchRmsProp(IEnumerable<Parameter> parameters, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8)
    : ScratchOptimizer(parameters, learningRate)
{
    protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state)
    {
        var s = state("mean square");
        s.mul_(alpha).add_((1 - alpha) * g * g);
        p.sub_(LearningRate * g / (s.sqrt() + epsilon));
    }
}

/// <summary>
/// Adam with bias correction (Kingma and Ba 2015), as torch.optim.Adam:
/// m ← β₁ m + (1 - β₁) g;  v ← β₂ v + (1 - β₂) g²;  m̂ = m / (1 - β₁ᵗ);  v̂ = v / (1 - β₂ᵗ);  p ← p - η m̂ / (√v̂ + ε).
/// With weight decay λ it is added to the gradient (g ← g + λ p), which is L2 regularisation, not AdamW.
/// </summary>
public sealed class ScratchAdam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
    double epsilon = 1e-8, double weightDecay = 0) : ScratchOptimizer(parameters, learningRate)
{
    protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state) =>
        AdamStep(p, weightDecay != 0 ? g + weightDecay * p : g, t, state, LearningRate, beta1, beta2, epsilon);

    internal static void AdamStep(Tensor p, Tensor g, int t, Func<string, Tensor> state, double lr, double beta1, double beta2, double epsilon)
    {
        var m = state("first moment");
        var v = state("second moment");
        m.mul_(beta1).add_((1 - beta1) * g);
        v.mul_(beta2).add_((1 - beta2) * g * g);
        var mHat = m / (1 - Math.Pow(beta1, t));
        var vHat = v / (1 - Math.Pow(beta2, t));
        p.sub_(lr * mHat / (vHat.sqrt() + epsilon));
    }
}

/// <summary>
/// AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay, as torch.optim.AdamW:
/// p ← p (1 - η λ), then the Adam step on the plain gradient.
/// </summary>
public sealed class ScratchAdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
    double epsilon = 1e-8, double weightDecay = 0.01) : ScratchOptimizer(parameters, learningRate)
{
    protected override void Update(Tensor p, Tensor g, int t, Func<string, Tensor> state)
    {
        p.mul_(1 - LearningRate * weightDecay);
        ScratchAdam.AdamStep(p, g, t, state, LearningRate, beta1, beta2, epsilon);
    }
}

/// <summary>Factories with the names the notebook uses: each returns a from-scratch optimizer.</summary>
public static class Scratch
{
    public static ScratchSgd GradientDescent(IEnumerable<Parameter> p, double lr) => new(p, lr);
    public static ScratchSgd Sgd(IEnumerable<Parameter> p, double lr, double weightDecay = 0) => new(p, lr, weightDecay: weightDecay);
    public static ScratchSgd Momentum(IEnumerable<Parameter> p, double lr, double momentum = 0.9) => new(p, lr, momentum);
    public static ScratchSgd Nesterov(IEnumerable<Parameter> p, double lr, double momentum = 0.9) => new(p, lr, momentum, nesterov: true);
    public static ScratchAdaGrad AdaGrad(IEnumerable<Parameter> p, double lr = 0.01) => new(p, lr);
    public static ScratchRmsProp RmsProp(IEnumerable<Parameter> p, double lr = 0.01) => new(p, lr);
    public static ScratchAdam Adam(IEnumerable<Parameter> p, double lr = 1e-3) => new(p, lr);
    public static ScratchAdamW AdamW(IEnumerable<Parameter> p, double lr = 1e-3, double weightDecay = 0.01) => new(p, lr, weightDecay: weightDecay);
}
