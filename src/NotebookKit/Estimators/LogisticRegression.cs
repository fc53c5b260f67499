using NotebookKit.Setup;
using static TorchSharp.torch;

namespace NotebookKit.Estimators;

/// <summary>
/// Logistic regression with scikit-learn's objective and parameter names (introduced in 04-grid-search):
/// minimise  C Σᵢ logloss(yᵢ, xᵢ·w + b) + R(w),  with R = ½‖w‖² ("l2"), ‖w‖₁ ("l1") or 0 ("none"); the intercept is
/// not penalised (as the lbfgs and saga solvers). Two classes use one weight vector and the sigmoid (coef_ is [1, d]),
/// more classes the multinomial softmax ([classes, d]).
/// <para>
/// Solver: proximal gradient descent with Nesterov acceleration and adaptive restart (FISTA), full batch, float64,
/// on <see cref="Kit.Device"/>. Each step is a gradient step of length η = 1/L on the smooth part
/// (mean log-loss, plus ‖w‖²/(2Cn) for l2; L bounds its curvature) followed by the L1 proximal step, a soft threshold
/// w ← sign(w) max(|w| − η/(Cn), 0). That threshold is why L1 weights become exactly zero; a (sub)gradient
/// penalty stepped by SGD or Adam only makes them small. Stops when no coefficient moves more than
/// <see cref="Tol"/> × max(1, max|w|) in a step, or after <see cref="MaxIter"/> steps.
/// </para>
/// </summary>
public sealed class LogisticRegression : Classifier
{
    Tensor? weights, intercept;

    /// <summary>Inverse regularisation strength (larger C = weaker penalty).</summary>
    [HyperParameter] public double C { get; set; } = 1.0;
    /// <summary>"l2" (default), "l1" or "none".</summary>
    [HyperParameter] public string Penalty { get; set; } = "l2";
    [HyperParameter] public int MaxIter { get; set; } = 1000;
    /// <summary>Relative tolerance on the largest coefficient change per step (scikit-learn's default value).</summary>
    [HyperParameter] public double Tol { get; set; } = 1e-4;
    [HyperParameter] public bool FitIntercept { get; set; } = true;

    /// <summary>Weights [1, d] for two classes, [classes, d] otherwise, in the (standardised) feature space Fit saw.</summary>
    public Tensor Coef => weights?.T ?? throw new InvalidOperationException("Call Fit first.");
    public Tensor Intercept => intercept ?? throw new InvalidOperationException("Call Fit first.");
    /// <summary>Solver steps the last Fit took, and whether it met the tolerance before MaxIter.</summary>
    public int NIter { get; private set; }
    public bool Converged { get; private set; }

    /// <summary>Weights that are exactly 0.0 (intercepts not counted).</summary>
    public int ZeroCoefficients => (int)Coef.eq(0).sum().item<long>();

    protected override void FitCore(Tensor x, Tensor y, int classes)
    {
        if (!(C > 0) || double.IsInfinity(C)) throw new ArgumentOutOfRangeException(nameof(C), $"C must be positive and finite, got {C}.");
        if (Penalty is not ("l1" or "l2" or "none"))
            throw new ArgumentException($"penalty must be \"l1\", \"l2\" or \"none\", got \"{Penalty}\".", nameof(Penalty));
        if (MaxIter < 1 || !(Tol > 0)) throw new ArgumentOutOfRangeException(nameof(MaxIter), "MaxIter must be at least 1 and Tol positive.");
        using var fitScope = NewDisposeScope();
        x = x.to_type(ScalarType.Float64);
        long n = x.shape[0], d = x.shape[1];
        int outputs = classes == 2 ? 1 : classes;
        bool binary = classes == 2;
        var target = binary ? y.to_type(ScalarType.Float64).unsqueeze(1)
            : nn.functional.one_hot(y, classes).to_type(ScalarType.Float64);
        // θ = [w; b]: the intercept is a last column of ones in x, and a 0 in the penalty mask.
        var xa = FitIntercept ? cat([x, ones(n, 1, dtype: x.dtype, device: x.device)], 1) : x;
        var xaT = xa.T.contiguous() / n;
        var mask = ones(xa.shape[1], 1, dtype: x.dtype, device: x.device);
        if (FitIntercept) mask[d] = 0;
        double l2 = Penalty == "l2" ? 1.0 / (C * n) : 0, l1 = Penalty == "l1" ? 1.0 / (C * n) : 0;
        // The mean log-loss has curvature at most σ_max(xa)² / n times 1/4 (sigmoid) or 1/2 (softmax).
        double sigma = linalg.svdvals(xa)[0].item<double>();
        double step = 1.0 / ((binary ? 0.25 : 0.5) * sigma * sigma / n + l2);
        var decay = l2 * mask;               // gradient of ‖w‖²/(2Cn) is w/(Cn), intercept exempt
        var threshold = step * l1 * mask;    // soft threshold of the L1 proximal step, intercept exempt

        var theta = zeros(xa.shape[1], outputs, dtype: x.dtype, device: x.device);
        var z = theta.clone();               // the extrapolated point the gradient is taken at
        double t = 1;
        Converged = false;
        for (NIter = 1; NIter <= MaxIter; NIter++)
        {
            using var scope = NewDisposeScope();
            var logits = xa.matmul(z);
            var residual = (binary ? logits.sigmoid() : logits.softmax(1)) - target;   // n × ∂ mean log-loss / ∂ logits
            var next = z - step * (xaT.matmul(residual) + decay * z);
            if (l1 > 0) next = next.sign() * (next.abs() - threshold).clamp_min(0);      // proximal step: exact zeros
            var moved = next - theta;
            double largest = moved.abs().max().item<double>();
            // Adaptive restart (O'Donoghue and Candès): drop the momentum when it points uphill.
            bool restart = ((z - next) * moved).sum().item<double>() > 0;
            double tNext = restart ? 1 : (1 + Math.Sqrt(1 + 4 * t * t)) / 2;
            z.copy_(next + (restart ? 0 : (t - 1) / tNext) * moved);
            theta.copy_(next);
            t = tNext;
            if (largest <= Tol * Math.Max(1, theta.abs().max().item<double>())) { Converged = true; break; }
        }
        NIter = Math.Min(NIter, MaxIter);
        weights?.Dispose(); intercept?.Dispose();
        weights = theta.narrow(0, 0, d).clone().DetachFromDisposeScope();
        intercept = (FitIntercept ? theta[d] : zeros(outputs, dtype: x.dtype, device: x.device)).clone().DetachFromDisposeScope();
    }

    static Tensor Probabilities(Tensor x, Tensor w, Tensor b, bool binary)
    {
        var logits = x.matmul(w) + b;
        return binary ? logits.sigmoid() : logits.softmax(1);
    }

    protected override Tensor ProbaCore(Tensor x)
    {
        var p = Probabilities(x.to_type(ScalarType.Float64), weights!, intercept!, Classes == 2);
        return Classes == 2 ? cat([1 - p, p], 1) : p;
    }

    public override void Dispose()
    {
        weights?.Dispose(); intercept?.Dispose();
        base.Dispose();
    }

    public override string ToString() => $"LogisticRegression(C={C}, penalty={Penalty})";
}
