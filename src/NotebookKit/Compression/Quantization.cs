using NotebookKit.Setup;
using static TorchSharp.torch;

namespace NotebookKit.Compression;

/// <summary>The integer type a tensor is quantised to.</summary>
public enum QuantDtype
{
    /// <summary>Signed 8-bit, range [-128, 127] (PyTorch qint8).</summary>
    Int8,
    /// <summary>Unsigned 8-bit, range [0, 255] (PyTorch quint8).</summary>
    UInt8,
}

/// <summary>How the real range maps onto the integer range.</summary>
public enum QuantScheme
{
    /// <summary>Zero maps to the middle of the range: zero point 0 for int8, 128 for uint8.</summary>
    Symmetric,
    /// <summary>[min(x, 0), max(x, 0)] maps onto the whole integer range; the zero point moves.</summary>
    Affine,
}

/// <summary>
/// Scale and zero point of a quantised tensor: one pair per tensor, or one per slice along <see cref="Axis"/>
/// (per-channel). real = scale * (q - zero_point); q = clamp(round(real / scale) + zero_point, QuantMin, QuantMax).
/// </summary>
public sealed record QuantParams(float[] Scales, long[] ZeroPoints, QuantDtype Dtype, QuantScheme Scheme, int QuantMin, int QuantMax, int? Axis)
{
    public bool PerChannel => Axis.HasValue;
    /// <summary>The single scale of a per-tensor quantisation.</summary>
    public float Scale => PerChannel ? throw new InvalidOperationException("Per-channel parameters have one scale per channel; use Scales.") : Scales[0];
    /// <summary>The single zero point of a per-tensor quantisation.</summary>
    public long ZeroPoint => PerChannel ? throw new InvalidOperationException("Per-channel parameters have one zero point per channel; use ZeroPoints.") : ZeroPoints[0];
}

/// <summary>
/// Post-training quantisation primitives (introduced in 07-model-compression). Scale and zero point follow PyTorch's
/// MinMaxObserver / PerChannelMinMaxObserver exactly, in float32:
/// <list type="bullet">
/// <item>min⁻ = min(min(x), 0), max⁺ = max(max(x), 0) (zero must be representable exactly);</item>
/// <item>symmetric: scale = max(-min⁻, max⁺) / ((qmax - qmin) / 2), zero point 0 (int8) or 128 (uint8);</item>
/// <item>affine: scale = (max⁺ - min⁻) / (qmax - qmin), zero point = clamp(qmin - round(min⁻ / scale), qmin, qmax);</item>
/// <item>scale is at least float32 epsilon (2^-23), so an all-zero tensor still quantises.</item>
/// </list>
/// Rounding is half-to-even (torch.round, C nearbyint), and values are multiplied by 1/scale as PyTorch's CPU kernel does.
/// Example: values in [-1, 3], affine uint8: scale = 4/255, zero point = 0 - round(-63.75) = 64.
/// </summary>
public static partial class Quantization
{
    /// <summary>torch.finfo(torch.float32).eps, PyTorch's lower bound on a scale.</summary>
    public const float Epsilon = 1.1920928955078125e-07f;

    /// <summary>Integer range of <paramref name="dtype"/>; <paramref name="reduceRange"/> drops one bit (x86 fbgemm's overflow guard).</summary>
    public static (int Min, int Max) Range(QuantDtype dtype, bool reduceRange = false) => (dtype, reduceRange) switch
    {
        (QuantDtype.Int8, false) => (-128, 127),
        (QuantDtype.Int8, true) => (-64, 63),
        (QuantDtype.UInt8, false) => (0, 255),
        (QuantDtype.UInt8, true) => (0, 127),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Scale and zero point for an observed range [<paramref name="min"/>, <paramref name="max"/>] (see the class summary).</summary>
    public static (float Scale, long ZeroPoint) ComputeParams(float min, float max, QuantDtype dtype, QuantScheme scheme, bool reduceRange = false)
    {
        if (float.IsNaN(min) || float.IsNaN(max) || float.IsInfinity(min) || float.IsInfinity(max))
            throw new ArgumentException($"The observed range [{min}, {max}] must be finite.");
        if (min > max) throw new ArgumentException($"The observed minimum {min} is above the maximum {max}.", nameof(min));
        var (qmin, qmax) = Range(dtype, reduceRange);
        float minNeg = Math.Min(min, 0f), maxPos = Math.Max(max, 0f);
        if (scheme == QuantScheme.Symmetric)
        {
            float absMax = Math.Max(-minNeg, maxPos);
            float scale = Math.Max(absMax / ((float)(qmax - qmin) / 2f), Epsilon);
            long zero = dtype == QuantDtype.UInt8 ? (reduceRange ? (qmin + qmax) / 2 : 128) : 0;
            return (scale, zero);
        }
        else
        {
            float scale = Math.Max((maxPos - minNeg) / (float)(qmax - qmin), Epsilon);
            long zero = qmin - (long)MathF.Round(minNeg / scale, MidpointRounding.ToEven);
            return (scale, Math.Clamp(zero, qmin, qmax));
        }
    }

    /// <summary>
    /// Observes <paramref name="x"/> and returns its quantisation parameters: per tensor, or per slice along
    /// <paramref name="axis"/> (weights use axis 0, the output channel).
    /// </summary>
    public static QuantParams Observe(Tensor x, QuantDtype dtype = QuantDtype.Int8, QuantScheme scheme = QuantScheme.Symmetric,
        int? axis = null, bool reduceRange = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!x.is_floating_point()) throw new ArgumentException($"Only floating-point tensors can be observed, got {x.dtype}.", nameof(x));
        if (x.numel() == 0) throw new ArgumentException("Cannot quantise an empty tensor.", nameof(x));
        var (qmin, qmax) = Range(dtype, reduceRange);
        using var scope = NewDisposeScope();
        float[] mins, maxs;
        if (axis is int a)
        {
            if (a < 0 || a >= x.dim()) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {a} is outside a {x.dim()}-d tensor.");
            var rows = x.detach().to_type(ScalarType.Float32).movedim(new long[] { a }, new long[] { 0 }).reshape(x.shape[a], -1);
            mins = rows.amin(1).cpu().data<float>().ToArray();
            maxs = rows.amax(1).cpu().data<float>().ToArray();
        }
        else
        {
            var flat = x.detach().to_type(ScalarType.Float32);
            mins = [flat.min().cpu().item<float>()];
            maxs = [flat.max().cpu().item<float>()];
        }
        var scales = new float[mins.Length];
        var zeros = new long[mins.Length];
        for (int i = 0; i < mins.Length; i++)
            (scales[i], zeros[i]) = ComputeParams(mins[i], maxs[i], dtype, scheme, reduceRange);
        return new QuantParams(scales, zeros, dtype, scheme, qmin, qmax, axis);
    }

    /// <summary>
    /// q = clamp(round(x * (1 / scale)) + zero_point, qmin, qmax), as a plain int8 or uint8 tensor (not a torch quantised
    /// tensor, so it moves to any device and saves with the module).
    /// </summary>
    public static Tensor Quantize(Tensor x, QuantParams p)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(p);
        using var scope = NewDisposeScope();
        var (scale, zero) = Broadcastable(p, x);
        var inverse = scale.reciprocal();
        var q = (x.detach().to_type(ScalarType.Float32) * inverse).round().to_type(ScalarType.Float64).Plus(zero)
            .clamp(Held.Of((long)p.QuantMin), Held.Of((long)p.QuantMax));
        return q.to_type(p.Dtype == QuantDtype.Int8 ? ScalarType.Int8 : ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>real = scale * (q - zero_point), float32.</summary>
    public static Tensor Dequantize(Tensor q, QuantParams p)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(p);
        using var scope = NewDisposeScope();
        var (scale, zero) = Broadcastable(p, q);
        return ((q.to_type(ScalarType.Float32) - zero.to_type(ScalarType.Float32)) * scale).MoveToOuterDisposeScope();
    }

    /// <summary>Largest |dequantize(quantize(x)) - x| over values inside the representable range: at most half a step (scale / 2).</summary>
    public static double MaxRoundTripError(Tensor x, QuantParams p)
    {
        using var scope = NewDisposeScope();
        return (Dequantize(Quantize(x, p), p) - x.to_type(ScalarType.Float32)).abs().max().to_type(ScalarType.Float64).cpu().item<double>();
    }

    /// <summary>Scale and zero point as tensors shaped to broadcast against <paramref name="x"/> (channel along the axis).</summary>
    static (Tensor Scale, Tensor Zero) Broadcastable(QuantParams p, Tensor x)
    {
        var device = x.device;
        if (p.Axis is not int axis)
            return (tensor(p.Scales[0], device: device), tensor((double)p.ZeroPoints[0], device: device));
        if (axis >= x.dim() || x.shape[axis] != p.Scales.Length)
            throw new ArgumentException($"Per-channel parameters have {p.Scales.Length} channels on axis {axis}, the tensor has shape [{string.Join(", ", x.shape)}].", nameof(x));
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[axis] = p.Scales.Length;
        return (tensor(p.Scales, device: device).reshape(shape), tensor(p.ZeroPoints.Select(z => (double)z).ToArray(), device: device).reshape(shape));
    }
}
