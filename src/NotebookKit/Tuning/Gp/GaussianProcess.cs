using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tuning;

/// <summary>Kernel hyperparameters: ARD length scales ℓ_d, output scale s (kernel variance) and noise variance σ².</summary>
public sealed record GpHyperparameters(double[] LengthScales, double OutputScale, double Noise);

/// <summary>Options of <see cref="GaussianProcess.Fit"/>.</summary>
public sealed record GpFitOptions
{
    /// <summary>Noise variance floor (on standardised outputs); a deterministic objective uses exactly this.</summary>
    public double MinimumNoise { get; init; } = 1e-6;
    /// <summary>The objective has no noise: fix σ² at <see cref="MinimumNoise"/> instead of fitting it.</summary>
    public bool Deterministic { get; init; }
    /// <summary>Add the log priors to the marginal likelihood (maximum a posteriori).</summary>
    public bool UsePriors { get; init; } = true;
    /// <summary>
    /// When fitting the noise, also start from a noise-free model (σ² at <see cref="MinimumNoise"/>) and keep the fit
    /// with the higher posterior: the posterior often has a "noise explains everything" mode and an interpolating
    /// one, and a warm start from the first never finds the second.
    /// </summary>
    public bool TryNoiseFree { get; init; }
    /// <summary>Warm start, e.g. the previous fit's hyperparameters.</summary>
    public GpHyperparameters? Initial { get; init; }
    /// <summary>Standardise outputs to mean 0, variance 1 before fitting.</summary>
    public bool Standardize { get; init; } = true;
}

/// <summary>
/// A Gaussian process regressor in float64 on TorchSharp, as BoTorch and Optuna's GP sampler build theirs.
/// Kernel: Matérn-5/2 with ARD, k(x, x') = s·(1 + √5·r + 5/3·r²)·exp(−√5·r), r² = Σ_d (x_d − x'_d)² / ℓ_d².
/// Hyperparameters maximise log p(y | X) = −½ yᵀ(K + σ²I)⁻¹y − ½ log|K + σ²I| − n/2 log 2π plus log priors
/// (Optuna's: −(0.1/λ + 0.1·λ) per inverse squared length scale λ = 1/ℓ², Gamma(2, 1) on s, Gamma(1.1, 30) on σ²),
/// by box-bounded L-BFGS over log-parameters with autograd gradients. Solves use the Cholesky factor
/// (jitter added and retried on failure), never an inverse. Introduced in 06-bayesian-optimization.
/// </summary>
public sealed class GaussianProcess : IDisposable
{
    const double Sqrt5 = 2.2360679774997896;
    const double FitTolerance = 1e-3;
    readonly Tensor x, alpha, cholesky, lengthScaleWeights, outputScale;
    // Training inputs divided by their length scales, and their squared norms: fixed for every posterior query.
    readonly Tensor xScaled, xScaledSquaredNorms;
    readonly double yMean, yScale;

    public GpHyperparameters Hyperparameters { get; }
    /// <summary>log p(y | X, θ) of the (standardised) training outputs, without priors.</summary>
    public double LogMarginalLikelihood { get; }
    public int Count => (int)x.shape[0];
    public int Dimensions => (int)x.shape[1];
    /// <summary>Jitter that had to be added to the diagonal for the Cholesky factorisation to succeed (0 if none).</summary>
    public double JitterUsed { get; }
    public Device Device { get; }

    GaussianProcess(Tensor x, Tensor y, GpHyperparameters h, double yMean, double yScale, Device device)
    {
        Device = device;
        (this.x, this.yMean, this.yScale, Hyperparameters) = (x, yMean, yScale, h);
        using var scope = NewDisposeScope();
        lengthScaleWeights = tensor(h.LengthScales.Select(l => 1 / l).ToArray(), float64, device).MoveToOuterDisposeScope();
        outputScale = tensor(h.OutputScale, float64, device).MoveToOuterDisposeScope();
        xScaled = (x * lengthScaleWeights).MoveToOuterDisposeScope();
        xScaledSquaredNorms = (xScaled * xScaled).sum(-1).MoveToOuterDisposeScope();
        var k = Matern52Scaled(xScaled, xScaled, xScaledSquaredNorms, outputScale);
        var (l, jitter) = Cholesky(k, h.Noise);
        JitterUsed = jitter;
        cholesky = l.MoveToOuterDisposeScope();
        alpha = cholesky_solve(y.unsqueeze(1), cholesky).squeeze(1).MoveToOuterDisposeScope();
        LogMarginalLikelihood = (y.dot(alpha) * Held.Of(-0.5) - cholesky.diagonal().log().sum()).item<double>() - y.shape[0] * StandardNormal.HalfLog2Pi;
    }

    /// <summary>Matérn-5/2 Gram matrix between the rows of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static Tensor Matern52(Tensor a, Tensor b, Tensor inverseSquaredLengthScales, Tensor scale)
    {
        using var scope = NewDisposeScope();
        var w = inverseSquaredLengthScales.sqrt();
        var bw = b * w;
        return Matern52Scaled(a * w, bw, (bw * bw).sum(-1), scale).MoveToOuterDisposeScope();
    }

    /// <summary>The kernel on inputs already divided by their length scales; <paramref name="bSquaredNorms"/> = ‖b_j‖².</summary>
    static Tensor Matern52Scaled(Tensor a, Tensor b, Tensor bSquaredNorms, Tensor scale)
    {
        using var scope = NewDisposeScope();
        // ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b: one matrix product instead of an n×m×d difference tensor.
        if (!is_grad_enabled())
        {
            // Scoring thousands of candidates: the same formula in place, without a fresh n×m buffer per operation.
            var rr = ScaledDistances(a, b, bSquaredNorms);
            return KernelOfDistances(rr, rr.neg().exp_(), scale).MoveToOuterDisposeScope();
        }
        var d2 = (a * a).sum(-1).unsqueeze(1).Plus(bSquaredNorms) - a.matmul(b.t()) * Held.Of(2.0);
        // r is clamped away from 0 so the gradient of sqrt stays finite; k'(r) → 0 there anyway.
        var r = d2.clamp_min(Held.Of(1e-30)).sqrt() * Held.Of(Sqrt5);
        return (scale * r.Plus(Held.Of(1.0)).Plus(r * r / Held.Of(3.0)) * (-r).exp()).MoveToOuterDisposeScope();
    }

    /// <summary>r = √5·‖a_i − b_j‖ in place (no autograd), clamped away from 0 as in <see cref="Matern52Scaled"/>.</summary>
    static Tensor ScaledDistances(Tensor a, Tensor b, Tensor bSquaredNorms) =>
        a.matmul(b.t()).mul_(Held.Of(-2.0)).PlusInPlace((a * a).sum(-1).unsqueeze(1)).PlusInPlace(bSquaredNorms)
            .clamp_min_(Held.Of(1e-30)).sqrt_().mul_(Held.Of(Sqrt5));

    /// <summary>s·(1 + r + r²/3)·e^(−r) from r and e^(−r), without changing either.</summary>
    static Tensor KernelOfDistances(Tensor r, Tensor decay, Tensor scale) =>
        (r * r).div_(Held.Of(3.0)).PlusInPlace(r).PlusInPlace(Held.Of(1.0)).mul_(decay).mul_(scale);

    /// <summary>Closed form of the kernel for one distance r (for tests and teaching): s·(1 + √5 r + 5/3 r²)·exp(−√5 r).</summary>
    public static double Matern52(double r, double scale = 1) => scale * (1 + Sqrt5 * r + 5.0 / 3 * r * r) * Math.Exp(-Sqrt5 * r);

    /// <summary>Cholesky factor of K + noise·I, adding jitter 1e-9, 1e-8, ... (relative to the mean diagonal) until it succeeds.</summary>
    internal static (Tensor L, double Jitter) Cholesky(Tensor k, Tensor noise)
    {
        long n = k.shape[0];
        var eye = torch.eye(n, dtype: float64, device: k.device);
        var a = k.Plus(noise * eye);
        double jitter = 0;
        double scale = Math.Max(k.diagonal().mean().item<double>(), 1e-12);
        for (int attempt = 0; attempt < 7; attempt++)
        {
            using var jitterScalar = jitter.ToScalar();
            var (l, info) = linalg.cholesky_ex(jitter == 0 ? a : a.Plus(eye * jitterScalar));
            if (info.max().item<int>() == 0) return (l, jitter);
            jitter = jitter == 0 ? 1e-9 * scale : jitter * 10;
        }
        throw new InvalidOperationException("The GP kernel matrix is not positive definite even with jitter 1e-3; inputs may contain NaN or duplicates with inconsistent outputs.");
    }

    static (Tensor L, double Jitter) Cholesky(Tensor k, double noise) => Cholesky(k, tensor(noise, float64, k.device));

    /// <summary>Fits hyperparameters by maximum a posteriori and conditions on (x, y).</summary>
    public static GaussianProcess Fit(double[][] x, double[] y, GpFitOptions? options = null)
    {
        options ??= new GpFitOptions();
        var (xs, ys, mean, sd, device) = Prepare(x, y, options.Standardize);
        using var outputs = ys; // the model keeps x and what it solves from y, not y itself
        var standardised = y.Select(v => (v - mean) / sd).ToArray(); // as Prepare standardised ys
        try { return FitPrepared(x, standardised, xs, ys, mean, sd, device, options); }
        catch { xs.Dispose(); throw; }
    }

    static GaussianProcess FitPrepared(double[][] x, double[] y, Tensor xs, Tensor ys, double mean, double sd, Device device, GpFitOptions options)
    {
        int d = (int)xs.shape[1];
        bool fitNoise = !options.Deterministic;
        // θ = [log λ_1..d, log s, log(σ² − floor)]; boxes keep ℓ in [e^-5, e^5] and s in [e^-6, e^6].
        int p = d + 1 + (fitNoise ? 1 : 0);
        var lo = Enumerable.Repeat(-10.0, d).Append(-6).Concat(fitNoise ? [-20.0] : []).ToArray();
        var hi = Enumerable.Repeat(10.0, d).Append(6).Concat(fitNoise ? [0.0] : []).ToArray();
        var init = options.Initial is GpHyperparameters h0 && h0.LengthScales.Length == d
            ? h0.LengthScales.Select(l => -2 * Math.Log(l)).Append(Math.Log(h0.OutputScale))
                .Concat(fitNoise ? [Math.Log(Math.Max(h0.Noise - options.MinimumNoise, 1e-9))] : []).ToArray()
            : Enumerable.Repeat(0.0, d).Append(0).Concat(fitNoise ? [Math.Log(1e-2)] : []).ToArray();
        // The objective in closed form on arrays (LogPosteriorArrays); LogPosterior below is its autograd twin.
        Func<double[], (double, double[])> objective =
            new LogPosteriorArrays(x, y, fitNoise, options.MinimumNoise, options.UsePriors).Evaluate;
        // A loose gradient tolerance (Optuna's GP uses 1e-2): the acquisition barely moves past it, and a warm-started
        // fit then takes a handful of steps.
        var best = BoxLbfgs.Minimize(objective, init, lo, hi, maxIterations: 200, gradientTolerance: FitTolerance);
        if (options.Initial is not null && !double.IsFinite(best.Value))
            best = BoxLbfgs.Minimize(objective, new double[p], lo, hi, maxIterations: 200, gradientTolerance: FitTolerance);
        if (fitNoise && options.TryNoiseFree)
        {
            var quiet = (double[])best.X.Clone();
            quiet[d + 1] = lo[d + 1];
            var other = BoxLbfgs.Minimize(objective, quiet, lo, hi, maxIterations: 200, gradientTolerance: FitTolerance);
            if (other.Value < best.Value) best = other;
        }
        var theta = best.X;
        var hyper = new GpHyperparameters(theta.Take(d).Select(v => 1 / Math.Sqrt(Math.Exp(v))).ToArray(), Math.Exp(theta[d]),
            options.MinimumNoise + (fitNoise ? Math.Exp(theta[d + 1]) : 0));
        return new GaussianProcess(xs, ys, hyper, mean, sd, device);
    }

    /// <summary>Conditions on (x, y) with given hyperparameters (no fitting).</summary>
    public static GaussianProcess WithHyperparameters(double[][] x, double[] y, GpHyperparameters hyperparameters, bool standardize = false)
    {
        var (xs, ys, mean, sd, device) = Prepare(x, y, standardize);
        using var outputs = ys;
        if (hyperparameters.LengthScales.Length != xs.shape[1])
            throw new ArgumentException($"{hyperparameters.LengthScales.Length} length scales for {xs.shape[1]} input dimensions.");
        if (hyperparameters.LengthScales.Any(l => !(l > 0)) || !(hyperparameters.OutputScale > 0) || !(hyperparameters.Noise >= 0))
            throw new ArgumentException("Length scales and output scale must be positive and noise non-negative.");
        return new GaussianProcess(xs, ys, hyperparameters, mean, sd, device);
    }

    static (Tensor X, Tensor Y, double Mean, double Scale, Device Device) Prepare(double[][] x, double[] y, bool standardize)
    {
        if (x.Length == 0) throw new ArgumentException("A GP needs at least one observation.", nameof(x));
        if (x.Length != y.Length) throw new ArgumentException($"x has {x.Length} rows but y has {y.Length} values.", nameof(y));
        int d = x[0].Length;
        if (d == 0 || x.Any(r => r.Length != d)) throw new ArgumentException("Every input row needs the same, positive number of columns.", nameof(x));
        if (x.Any(r => r.Any(v => !double.IsFinite(v))) || y.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("GP inputs and outputs must be finite (no NaN or infinity).");
        double mean = 0, scale = 1;
        if (standardize)
        {
            mean = y.Average();
            double sd = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / y.Length);
            scale = sd > 1e-12 * Math.Max(1, Math.Abs(mean)) ? sd : 1;
        }
        var device = Kit.Device;
        var xs = tensor(x.SelectMany(r => r).ToArray(), [x.Length, d], float64, device);
        var ys = tensor(y.Select(v => (v - mean) / scale).ToArray(), float64, device);
        return (xs, ys, mean, scale, device);
    }

    static Tensor LogPosterior(Tensor theta, Tensor x, Tensor y, int d, bool fitNoise, double minNoise, bool priors)
    {
        var lambda = theta.narrow(0, 0, d).exp();
        var s = theta[d].exp();
        using var floor = minNoise.ToScalar();
        var noise = fitNoise ? theta[d + 1].exp().Plus(floor) : tensor(minNoise, float64, x.device);
        var k = Matern52(x, x, lambda, s);
        var (l, _) = Cholesky(k, noise);
        var alpha = cholesky_solve(y.unsqueeze(1), l).squeeze(1);
        using var constant = (y.shape[0] * StandardNormal.HalfLog2Pi).ToScalar();
        var lml = y.dot(alpha) * Held.Of(-0.5) - l.diagonal().log().sum() - constant;
        if (!priors) return lml;
        var lengthPenalty = (lambda.reciprocal() * Held.Of(0.1)).Plus(lambda * Held.Of(0.1)).sum();
        var prior = (-lengthPenalty).Plus(s.log() - s);
        if (fitNoise) prior = prior.Plus(noise.log() * Held.Of(0.1) - noise * Held.Of(30.0));
        return lml.Plus(prior);
    }

    /// <summary>The fit's objective −(log p + log priors) and its gradient at θ by autograd (<see cref="LogPosterior"/>)
    /// and in closed form (<see cref="LogPosteriorArrays"/>), for checks that the two agree.</summary>
    internal static ((double, double[]) Autograd, (double, double[]) Arrays) FitObjectiveBothWays(double[][] x, double[] y, double[] theta,
        bool fitNoise, double minNoise)
    {
        using var scope = NewDisposeScope();
        var (xs, ys, _, _, device) = Prepare(x, y, false);
        using var grad = enable_grad();
        var t = tensor(theta, float64, device).requires_grad_(true);
        var loss = -LogPosterior(t, xs, ys, x[0].Length, fitNoise, minNoise, priors: true);
        loss.backward();
        var autograd = (loss.item<double>(), t.grad!.cpu().data<double>().ToArray());
        return (autograd, new LogPosteriorArrays(x, y, fitNoise, minNoise, priors: true).Evaluate(theta));
    }

    /// <summary>The log marginal likelihood (no priors, no standardisation) at given hyperparameters, for checks.</summary>
    public static double LogMarginalLikelihoodAt(double[][] x, double[] y, GpHyperparameters h)
    {
        using var gp = WithHyperparameters(x, y, h);
        return gp.LogMarginalLikelihood;
    }

    /// <summary>
    /// Gradient of the log marginal likelihood (no priors) with respect to θ = [log λ_d, log s, log σ²] by autograd,
    /// at hyperparameters <paramref name="h"/>; for gradient checks against finite differences.
    /// </summary>
    public static double[] LogMarginalLikelihoodGradient(double[][] x, double[] y, GpHyperparameters h)
    {
        using var scope = NewDisposeScope();
        var (xs, ys, _, _, device) = Prepare(x, y, false);
        using var grad = enable_grad();
        var theta = tensor(h.LengthScales.Select(l => -2 * Math.Log(l)).Append(Math.Log(h.OutputScale)).Append(Math.Log(h.Noise)).ToArray(), float64, device)
            .requires_grad_(true);
        // The same function the fit maximises, with the noise free and no priors.
        LogPosterior(theta, xs, ys, h.LengthScales.Length, fitNoise: true, minNoise: 0, priors: false).backward();
        return theta.grad!.cpu().data<double>().ToArray();
    }

    /// <summary>Posterior mean and standard deviation of the latent function (standardised scale) as tensors.</summary>
    internal (Tensor Mean, Tensor Std) PosteriorStandardised(Tensor xq)
    {
        var (mean, _, variance) = Posterior(Matern52Scaled(xq * lengthScaleWeights, xScaled, xScaledSquaredNorms, outputScale));
        return (mean, variance.clamp_min(Held.Of(1e-12)).sqrt());
    }

    /// <summary>Mean μ = kα, v = L⁻¹kᵀ and the unclamped variance s − ‖v‖² for the cross-kernel rows <paramref name="ks"/>.</summary>
    (Tensor Mean, Tensor V, Tensor Variance) Posterior(Tensor ks)
    {
        var v = linalg.solve_triangular(cholesky, ks.t(), upper: false);
        return (ks.matmul(alpha), v, outputScale - (v * v).sum(dim: 0));
    }

    /// <summary>Posterior mean and standard deviation of f at each row, on the original output scale.</summary>
    public (double[] Mean, double[] Std) Predict(double[][] xq)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (m, s) = PosteriorStandardised(ToTensor(xq));
        return (m.cpu().data<double>().Select(v => v * yScale + yMean).ToArray(), s.cpu().data<double>().Select(v => v * yScale).ToArray());
    }

    internal Tensor ToTensor(double[][] xq)
    {
        if (xq.Any(r => r.Length != Dimensions)) throw new ArgumentException($"Query rows need {Dimensions} columns.", nameof(xq));
        return tensor(xq.SelectMany(r => r).ToArray(), [xq.Length, Dimensions], float64, Device);
    }

    /// <summary>
    /// log EI for minimisation: EI(x) = σ(x)·h(z), z = (best − μ(x))/σ(x), h(z) = φ(z) + zΦ(z), computed in log space
    /// so it never underflows (see <see cref="LogH"/>). <paramref name="best"/> is on the original output scale.
    /// </summary>
    public double[] LogExpectedImprovement(double[][] xq, double best)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return LogEiStandardised(ToTensor(xq), (best - yMean) / yScale).cpu().data<double>().Select(v => v + Math.Log(yScale)).ToArray();
    }

    internal Tensor LogEiStandardised(Tensor xq, double bestStandardised)
    {
        var (m, s) = PosteriorStandardised(xq);
        using var best = bestStandardised.ToScalar();
        return LogH(best.Minus(m) / s).Plus(s.log());
    }

    /// <summary>
    /// log EI at each query row and its gradient with respect to the row, by the chain rule written out instead of an
    /// autograd graph (the acquisition's local search calls this dozens of times per suggestion). With G_i = ∂k/∂r at
    /// training point i: ∂k_i/∂x = −(5/3)·s·(1 + r_i)·e^(−r_i)·(x − X_i)/ℓ², ∂μ/∂x = Σ α_i ∂k_i/∂x,
    /// ∂σ²/∂x = −2 Σ w_i ∂k_i/∂x with w = K⁻¹k, and d log h/dz = Φ(z)/h(z).
    /// </summary>
    internal (Tensor Value, Tensor Gradient) LogEiAndGradientStandardised(Tensor xq, double bestStandardised)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var r = ScaledDistances(xq * lengthScaleWeights, xScaled, xScaledSquaredNorms);
        var decay = r.neg().exp_();
        var ks = KernelOfDistances(r, decay, outputScale);
        var slope = r.PlusInPlace(Held.Of(1.0)).mul_(decay).mul_(outputScale).mul_(Held.Of(-5.0 / 3.0)); // r is not needed after this
        var (mean, v, rawVariance) = Posterior(ks);
        var w = linalg.solve_triangular(cholesky.t(), v, upper: true);
        var std = rawVariance.clamp_min(Held.Of(1e-12)).sqrt();
        // Σ_i c_ki (x_k − X_i)/ℓ² for a weight matrix c (queries × training points).
        var lambda = lengthScaleWeights * lengthScaleWeights;
        Tensor Directional(Tensor c) => (xq * c.sum(1, keepdim: true) - c.matmul(x)).mul_(lambda);
        var dMean = Directional(slope * alpha);
        var dStd = Directional(slope * w.t()).mul_(std.reciprocal().neg_().mul_((rawVariance > Held.Of(1e-12)).to(float64)).unsqueeze(1));
        using var best = bestStandardised.ToScalar();
        var z = best.Minus(mean) / std;
        var (logH, dLogH) = LogHWithSlope(z);
        var dz = (dMean.neg_() - z.unsqueeze(1) * dStd).div_(std.unsqueeze(1));
        var gradient = dz.mul_(dLogH.unsqueeze(1)).PlusInPlace(dStd.div_(std.unsqueeze(1)));
        return (logH.Plus(std.log()).MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }

    internal double StandardiseValue(double y) => (y - yMean) / yScale;

    /// <summary>
    /// log h(z), h(z) = φ(z) + zΦ(z), stable for all z: directly for z > −3. Below, with t = −z, h = φ(t)·(1 − t·R(t))
    /// where Mills' ratio R(t) = 1/(t + a), a = 1/(t + 2/(t + 3/(t + …))) (30 terms: relative error ~1e-12 for t ≥ 3),
    /// so 1 − tR = a/(t + a) has no cancellation and log h = −t²/2 − ½ log 2π + log(a/(t + a)).
    /// </summary>
    public static Tensor LogH(Tensor z) => LogHWithSlope(z, slope: false).LogH;

    /// <summary>log h(z) and its derivative Φ(z)/h(z) (h′ = Φ); in the tail Φ/h = R/(a/(t + a)) = 1/a.</summary>
    internal static (Tensor LogH, Tensor Slope) LogHWithSlope(Tensor z, bool slope = true)
    {
        using var scope = NewDisposeScope();
        var za = z.clamp_min(Held.Of(-3.0));
        var cdf = special.ndtr(za);
        var direct = ((za * za * Held.Of(-0.5)).exp() / Held.Of(Math.Sqrt(2 * Math.PI))).Plus(za * cdf).log();
        var directSlope = slope ? cdf / direct.exp() : null;
        if (z.min().item<double>() > -3) return (direct.MoveToOuterDisposeScope(), directSlope?.MoveToOuterDisposeScope()!); // the usual case in local search
        var t = (-z).clamp_min(Held.Of(3.0));
        var acc = StandardNormal.MillsFraction(t);
        var a = acc.reciprocal();
        var tail = (t * t * Held.Of(-0.5) - Held.Of(StandardNormal.HalfLog2Pi)).Plus((a / t.Plus(a)).log());
        var inside = z > Held.Of(-3.0);
        return (where(inside, direct, tail).MoveToOuterDisposeScope(), slope ? where(inside, directSlope!, acc).MoveToOuterDisposeScope() : null!);
    }

    public void Dispose()
    {
        x.Dispose(); alpha.Dispose(); cholesky.Dispose(); lengthScaleWeights.Dispose(); outputScale.Dispose(); xScaled.Dispose(); xScaledSquaredNorms.Dispose();
    }
}
