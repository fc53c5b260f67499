using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Compression;

/// <summary>
/// A layer whose weight is stored as 8-bit integers: real weight = scale * (q - zero_point), with one scale and zero
/// point per tensor or per output channel (axis 0). The bias stays float32, as in PyTorch's quantised modules.
/// This is what the ONNX int8 export reads.
/// </summary>
public interface IQuantizedLayer
{
    /// <summary>The integer weight, dtype int8 (or uint8 for affine uint8), same shape as the float weight.</summary>
    Tensor WeightInt8 { get; }
    /// <summary>Scales: float32, length 1 (per tensor) or out channels (per channel).</summary>
    Tensor Scales { get; }
    /// <summary>Zero points: int64, same length as <see cref="Scales"/>.</summary>
    Tensor ZeroPoints { get; }
    /// <summary>The float32 bias, or null.</summary>
    Tensor? Bias { get; }
    /// <summary>The parameters used (dtype, scheme, range, axis 0 for per channel).</summary>
    QuantParams Params { get; }
    /// <summary>The weight as float32: scale * (q - zero_point).</summary>
    Tensor DequantizedWeight();
}

/// <summary>
/// Linear layer with an int8 weight. Weight-only mode dequantises the weight and runs a float matmul. With
/// <see cref="DynamicActivations"/>, each input batch is quantised too (affine uint8 from its own min and max, as
/// PyTorch's dynamic quantisation does) and the product is accumulated from integers:
/// y = s_x * s_w * Σ_k (x_q - z_x)(w_q - z_w) + b. The integer sums are computed exactly in float32 when they stay
/// below 2^24, otherwise in float64, so the numbers are int8 x int8 -> int32 numbers; the speed is not an int8 kernel's.
/// </summary>
public sealed class QuantizedLinear : Module<Tensor, Tensor>, IQuantizedLayer
{
    Tensor weight_int8;
    Tensor scales;
    Tensor zero_points;
    Tensor? bias;

    public long InFeatures { get; }
    public long OutFeatures { get; }
    readonly QuantParams observed;
    /// <summary>The quantisation parameters, read from the layer's buffers (so they follow a load()).</summary>
    public QuantParams Params => QuantizedLayer.CurrentParams(observed, scales, zero_points);
    /// <summary>Quantise activations per batch (dynamic quantisation) instead of only the weight.</summary>
    public bool DynamicActivations { get; }

    public Tensor WeightInt8 => weight_int8;
    public Tensor Scales => scales;
    public Tensor ZeroPoints => zero_points;
    public Tensor? Bias => bias;

    public QuantizedLinear(Linear linear, QuantDtype dtype = QuantDtype.Int8, QuantScheme scheme = QuantScheme.Symmetric,
        bool perChannel = false, bool dynamicActivations = false) : base("QuantizedLinear")
    {
        ArgumentNullException.ThrowIfNull(linear);
        InFeatures = linear.in_features;
        OutFeatures = linear.out_features;
        DynamicActivations = dynamicActivations;
        (observed, weight_int8, scales, zero_points, bias) = QuantizedLayer.QuantizeWeights(linear.weight!, linear.bias, dtype, scheme, perChannel);
        RegisterComponents();
    }

    public Tensor DequantizedWeight() => QuantizedLayer.Dequantize(weight_int8, scales, zero_points);

    public override Tensor forward(Tensor input)
    {
        if (input.shape[^1] != InFeatures)
            throw new ArgumentException($"QuantizedLinear expects {InFeatures} input features, got shape [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        Tensor output;
        if (!DynamicActivations)
        {
            output = nn.functional.linear(input, DequantizedWeight(), bias);
        }
        else
        {
            var x = input.to_type(ScalarType.Float32);
            var xp = Quantization.Observe(x, QuantDtype.UInt8, QuantScheme.Affine);
            var xq = Quantization.Quantize(x, xp);
            var p = Params;
            var (maxX, maxW) = (Math.Max(xp.QuantMax - xp.ZeroPoints[0], xp.ZeroPoints[0] - xp.QuantMin), p.ZeroPoints.Select(z => Math.Max(p.QuantMax - z, z - p.QuantMin)).Max());
            bool exactInFloat32 = (double)InFeatures * maxX * maxW < (1 << 24);
            var accumulate = exactInFloat32 ? ScalarType.Float32 : ScalarType.Float64;
            using var zeroPoint = xp.ZeroPoints[0].ToScalar();
            using var inputScale = xp.Scales[0].ToScalar();
            var xi = xq.to_type(accumulate) - zeroPoint;
            var wi = weight_int8.to_type(accumulate) - zero_points.to_type(accumulate).unsqueeze(1);
            var sums = xi.matmul(wi.t()); // exact integer sums
            output = (sums.to_type(ScalarType.Float32) * (scales * inputScale));
            if (bias is not null) output = output.Plus(bias);
        }
        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Conv2d layer with an int8 weight (per tensor or per output channel). It dequantises the weight and runs a float
/// convolution (weight-only quantisation; PyTorch has no dynamic quantised convolution either).
/// </summary>
public sealed class QuantizedConv2d : Module<Tensor, Tensor>, IQuantizedLayer
{
    Tensor weight_int8;
    Tensor scales;
    Tensor zero_points;
    Tensor? bias;
    readonly long[] stride, padding, dilation;

    public long InChannels { get; }
    public long OutChannels { get; }
    public long Groups { get; }
    public IReadOnlyList<long> Stride => stride;
    public IReadOnlyList<long> Padding => padding;
    public IReadOnlyList<long> Dilation => dilation;
    readonly QuantParams observed;
    /// <summary>The quantisation parameters, read from the layer's buffers (so they follow a load()).</summary>
    public QuantParams Params => QuantizedLayer.CurrentParams(observed, scales, zero_points);

    public Tensor WeightInt8 => weight_int8;
    public Tensor Scales => scales;
    public Tensor ZeroPoints => zero_points;
    public Tensor? Bias => bias;

    public QuantizedConv2d(Conv2d conv, QuantDtype dtype = QuantDtype.Int8, QuantScheme scheme = QuantScheme.Symmetric,
        bool perChannel = false) : base("QuantizedConv2d")
    {
        ArgumentNullException.ThrowIfNull(conv);
        if (conv.padding_mode != PaddingModes.Zeros)
            throw new ArgumentException($"Only zero padding is supported, the layer uses {conv.padding_mode}.", nameof(conv));
        if (conv.padding is null)
            throw new ArgumentException("Only explicit numeric padding is supported (not padding 'same'/'valid'); give the numbers.", nameof(conv));
        InChannels = conv.in_channels;
        OutChannels = conv.out_channels;
        Groups = conv.groups;
        stride = conv.stride.ToArray();
        padding = conv.padding.ToArray();
        dilation = conv.dilation.ToArray();
        (observed, weight_int8, scales, zero_points, bias) = QuantizedLayer.QuantizeWeights(conv.weight!, conv.bias, dtype, scheme, perChannel);
        RegisterComponents();
    }

    public Tensor DequantizedWeight() => QuantizedLayer.Dequantize(weight_int8, scales, zero_points);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return nn.functional.conv2d(input, DequantizedWeight(), bias, stride, padding, dilation, Groups).MoveToOuterDisposeScope();
    }
}

static class QuantizedLayer
{
    /// <summary>Observes and quantises a layer's weight (per output channel when asked); the bias stays float.</summary>
    public static (QuantParams Observed, Tensor Int8, Tensor Scales, Tensor ZeroPoints, Tensor? Bias) QuantizeWeights(
        Tensor weight, Tensor? bias, QuantDtype dtype, QuantScheme scheme, bool perChannel)
    {
        using var _ = no_grad();
        var w = weight.detach();
        var observed = Quantization.Observe(w, dtype, scheme, perChannel ? 0 : null);
        return (observed, Quantization.Quantize(w, observed), tensor(observed.Scales, device: w.device),
            tensor(observed.ZeroPoints, device: w.device), bias?.detach().clone());
    }

    public static QuantParams CurrentParams(QuantParams observed, Tensor scales, Tensor zeroPoints) => observed with
    {
        Scales = scales.to_type(ScalarType.Float32).cpu().data<float>().ToArray(),
        ZeroPoints = zeroPoints.to_type(ScalarType.Int64).cpu().data<long>().ToArray(),
    };

    /// <summary>scale * (q - zero_point), with per-channel scales along axis 0 (a single scale broadcasts).</summary>
    public static Tensor Dequantize(Tensor q, Tensor scales, Tensor zeroPoints)
    {
        using var scope = NewDisposeScope();
        var shape = new long[q.dim()];
        Array.Fill(shape, 1L);
        shape[0] = scales.numel();
        var s = scales.to_type(ScalarType.Float32).reshape(shape);
        var z = zeroPoints.to_type(ScalarType.Float32).reshape(shape);
        return ((q.to_type(ScalarType.Float32) - z) * s).MoveToOuterDisposeScope();
    }
}
