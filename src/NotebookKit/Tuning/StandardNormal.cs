using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tuning;

/// <summary>
/// Standard normal tail functions in log space on float64 tensors, for the GP's log EI and TPE's truncated normals.
/// libtorch has ndtr and ndtri but no log_ndtr binding in TorchSharp, and Φ(x) underflows to 0 below x ≈ −38.
/// </summary>
internal static class StandardNormal
{
    internal const double Threshold = -3;
    internal static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>
    /// c(t) = t + 2/(t + 3/(t + 4/(t + …))) (30 terms) for t ≥ 3, so that Mills' ratio R(t) = Φ(−t)/φ(t) = 1/(t + 1/c(t));
    /// relative error about 1e-12 at t = 3, smaller beyond.
    /// </summary>
    internal static Tensor MillsFraction(Tensor t)
    {
        using var scope = NewDisposeScope();
        var acc = t.clone();
        for (int k = 30; k >= 2; k--) acc = t.Plus(acc.reciprocal() * Held.Of((double)k)); // out of place: autograd may run through it
        return acc.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// log Φ(x) for any x: log1p(−Φ(−x)) above 0 (no rounding of Φ to 1), directly on [−3, 0], below by Mills' ratio,
    /// log Φ(−t) = −t²/2 − ½ log 2π − log(t + 1/c(t)).
    /// </summary>
    internal static Tensor LogCdf(Tensor x)
    {
        using var scope = NewDisposeScope();
        var middle = special.ndtr(x.clamp(Held.Of(Threshold), Held.Of(0.0))).log();
        var upper = (-special.ndtr(-x.clamp_min(Held.Of(0.0)))).log1p();
        var result = where(x > Held.Of(0.0), upper, middle);
        if (x.min().item<double>() > Threshold) return result.MoveToOuterDisposeScope();
        var t = (-x).clamp_min(Held.Of(-Threshold));
        var tail = t * t * Held.Of(-0.5) - Held.Of(HalfLog2Pi) - t.Plus(MillsFraction(t).reciprocal()).log();
        return where(x > Held.Of(Threshold), result, tail).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// log(Φ(b) − Φ(a)) for a ≤ b without cancellation: both in the left tail, log Φ(b) + log(1 − e^(log Φ(a) − log Φ(b)));
    /// both in the right tail by symmetry; across the middle 1 − Φ(a) − Φ(−b). A narrow interval (width h, midpoint m,
    /// h and h·|m| below 1e-3) integrates φ by its Taylor series instead: log h + log φ(m) + log(1 + h²(m² − 1)/24).
    /// </summary>
    internal static Tensor LogMass(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var left = b <= Held.Of(0.0);
        var right = a >= Held.Of(0.0);
        // Mirror the right-tail case onto the left: Φ(b) − Φ(a) = Φ(−a) − Φ(−b).
        var lo = where(right, -b, a);
        var hi = where(right, -a, b);
        var logHi = LogCdf(hi);
        var tails = logHi.Plus((-(LogCdf(lo) - logHi).exp()).log1p());
        var middle = (Held.Of(1.0).Minus(special.ndtr(a)) - special.ndtr(-b)).log();
        var wide = where(left.logical_or(right), tails, middle);
        var h = b - a;
        var m = a.Plus(b) * Held.Of(0.5);
        var narrow = (h.log() - m * m * Held.Of(0.5) - Held.Of(HalfLog2Pi)).Plus((h * h * (m * m - Held.Of(1.0)) / Held.Of(24.0)).log1p());
        var isNarrow = (h < Held.Of(1e-3)).logical_and(h * m.abs() < Held.Of(1e-3));
        return where(isNarrow, narrow, wide).MoveToOuterDisposeScope();
    }
}
