using System.Text.Json;
using NotebookKit.Compression;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Compression;

public class QuantizationTests
{
    public QuantizationTests() => Kit.Setup(seed: 3);

    [Fact]
    public void Affine_uint8_on_minus_one_to_three_has_scale_4_over_255_and_zero_point_64()
    {
        // scale = (3 - (-1)) / 255; zero point = 0 - round(-1 / (4/255)) = round(63.75) = 64
        var (scale, zero) = Quantization.ComputeParams(-1f, 3f, QuantDtype.UInt8, QuantScheme.Affine);
        Assert.Equal(4f / 255f, scale);
        Assert.Equal(64, zero);
    }

    [Fact]
    public void Affine_int8_shifts_the_zero_point_by_minus_128()
    {
        var (scale, zero) = Quantization.ComputeParams(-1f, 3f, QuantDtype.Int8, QuantScheme.Affine);
        Assert.Equal(4f / 255f, scale);
        Assert.Equal(-64, zero); // -128 - round(-63.75)
    }

    [Fact]
    public void Symmetric_scale_is_the_largest_magnitude_over_127_point_5()
    {
        var (scale, zero) = Quantization.ComputeParams(-1f, 3f, QuantDtype.Int8, QuantScheme.Symmetric);
        Assert.Equal(3f / 127.5f, scale);
        Assert.Equal(0, zero);
        var (uScale, uZero) = Quantization.ComputeParams(-2f, 1f, QuantDtype.UInt8, QuantScheme.Symmetric);
        Assert.Equal(2f / 127.5f, uScale);
        Assert.Equal(128, uZero);
    }

    [Fact]
    public void The_range_always_includes_zero()
    {
        // [2, 5] is widened to [0, 5]: zero must be exactly representable (padding, ReLU outputs)
        var (scale, zero) = Quantization.ComputeParams(2f, 5f, QuantDtype.UInt8, QuantScheme.Affine);
        Assert.Equal(5f / 255f, scale);
        Assert.Equal(0, zero);
        var (negScale, negZero) = Quantization.ComputeParams(-5f, -2f, QuantDtype.UInt8, QuantScheme.Affine);
        Assert.Equal(5f / 255f, negScale);
        Assert.Equal(255, negZero);
    }

    [Fact]
    public void An_all_zero_tensor_gets_the_float32_epsilon_scale()
    {
        var (scale, zero) = Quantization.ComputeParams(0f, 0f, QuantDtype.UInt8, QuantScheme.Affine);
        Assert.Equal(MathF.Pow(2, -23), scale);
        Assert.Equal(0, zero);
    }

    [Fact]
    public void Reduced_range_drops_one_bit()
    {
        Assert.Equal((0, 127), Quantization.Range(QuantDtype.UInt8, reduceRange: true));
        var (scale, zero) = Quantization.ComputeParams(-1f, 3f, QuantDtype.UInt8, QuantScheme.Affine, reduceRange: true);
        Assert.Equal(4f / 127f, scale);
        Assert.Equal(32, zero); // round(31.75)
    }

    [Fact]
    public void Quantize_maps_minus_one_to_three_onto_0_to_255_and_rounds_half_to_even()
    {
        var p = Quantization.Observe(tensor(new float[] { -1f, 0f, 3f }), QuantDtype.UInt8, QuantScheme.Affine);
        var q = Quantization.Quantize(tensor(new float[] { -1f, 0f, 3f }), p);
        Assert.Equal(ScalarType.Byte, q.dtype);
        Assert.Equal(new byte[] { 0, 64, 255 }, q.data<byte>().ToArray());
        // x = 2.5 steps lands on a tie: 2.5 -> 2 (even), 3.5 -> 4
        var half = new QuantParams([1f], [0], QuantDtype.Int8, QuantScheme.Symmetric, -128, 127, null);
        Assert.Equal(new sbyte[] { 2, 4, -2, 127, -128 }, Quantization.Quantize(tensor(new float[] { 2.5f, 3.5f, -2.5f, 500f, -500f }), half).data<sbyte>().ToArray());
    }

    [Fact]
    public void Dequantised_values_are_within_half_a_step_of_the_originals()
    {
        var x = randn(64, 32) * 3;
        foreach (var dtype in new[] { QuantDtype.Int8, QuantDtype.UInt8 })
            foreach (var scheme in new[] { QuantScheme.Symmetric, QuantScheme.Affine })
                foreach (int? axis in new int?[] { null, 0 })
                {
                    var p = Quantization.Observe(x, dtype, scheme, axis);
                    var error = (Quantization.Dequantize(Quantization.Quantize(x, p), p) - x).abs();
                    var halfStep = axis is null ? tensor(p.Scales[0] / 2) : tensor(p.Scales).unsqueeze(1) / 2;
                    // half a step, plus float32 rounding of the values themselves (a few ulps of |x|)
                    var worst = (error / (halfStep + 4 * Quantization.Epsilon * x.abs())).max().item<float>();
                    Assert.True(worst <= 1, $"{dtype} {scheme} axis {axis}: error {worst} of the allowed half step");
                }
    }

    [Fact]
    public void Parameters_and_integers_match_a_numpy_transcription_of_pytorch()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "NotebookKit.Tests", "Compression", "reference", "quantization.json")));
        int cases = 0;
        foreach (var c in json.RootElement.EnumerateArray())
        {
            var dtype = c.GetProperty("dtype").GetString() == "int8" ? QuantDtype.Int8 : QuantDtype.UInt8;
            var scheme = c.GetProperty("scheme").GetString() == "symmetric" ? QuantScheme.Symmetric : QuantScheme.Affine;
            bool perChannel = c.GetProperty("per_channel").GetBoolean();
            var shape = c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var x = tensor(c.GetProperty("x").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()).reshape(shape);
            var p = Quantization.Observe(x, dtype, scheme, perChannel ? 0 : null);
            Assert.Equal(c.GetProperty("scales").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray(), p.Scales);
            Assert.Equal(c.GetProperty("zero_points").EnumerateArray().Select(e => e.GetInt64()).ToArray(), p.ZeroPoints);
            var expected = c.GetProperty("q").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(expected, Quantization.Quantize(x, p).to_type(ScalarType.Int64).data<long>().ToArray());
            cases++;
        }
        Assert.Equal(8, cases);
    }

    [Fact]
    public void Quantize_agrees_with_libtorch_quantize_per_channel()
    {
        var x = randn(5, 7);
        var p = Quantization.Observe(x, QuantDtype.Int8, QuantScheme.Symmetric, axis: 0);
        var ours = Quantization.Quantize(x, p);
        var theirs = quantize_per_channel(x, tensor(p.Scales.Select(s => (double)s).ToArray()), tensor(p.ZeroPoints), 0, ScalarType.QInt8).int_repr();
        Assert.True(ours.eq(theirs).all().item<bool>(), "int8 values differ from libtorch's quantize_per_channel");
    }

    [Fact]
    public void Bad_ranges_and_mismatched_channels_are_clear_errors()
    {
        Assert.Throws<ArgumentException>(() => Quantization.ComputeParams(2f, 1f, QuantDtype.Int8, QuantScheme.Affine));
        Assert.Throws<ArgumentException>(() => Quantization.ComputeParams(float.NaN, 1f, QuantDtype.Int8, QuantScheme.Affine));
        var p = Quantization.Observe(randn(3, 4), axis: 0);
        var e = Assert.Throws<ArgumentException>(() => Quantization.Quantize(randn(4, 4), p));
        Assert.Contains("3 channels", e.Message);
        Assert.Throws<ArgumentException>(() => Quantization.Observe(tensor(new long[] { 1, 2 })));
    }

    [Fact]
    public void A_quantised_mlp_stores_int8_weights_is_about_four_times_smaller_and_predicts_like_the_original()
    {
        var model = Models.Mlp(64, [256, 256], 10);
        var quantised = Quantization.QuantizeModel(model);
        var layers = quantised.modules().OfType<IQuantizedLayer>().ToArray();
        Assert.Equal(3, layers.Length);
        Assert.All(layers, l => Assert.Equal(ScalarType.Int8, l.WeightInt8.dtype));
        Assert.Equal(256, layers[0].Scales.shape[0]); // per channel by default

        long floatBytes = CompressionMeasure.SizeOnDisk(model), intBytes = CompressionMeasure.SizeOnDisk(quantised);
        double ratio = (double)floatBytes / intBytes;
        Assert.InRange(ratio, 3.3, 4.1);

        var x = randn(200, 64);
        var a = Trainer.Predict(model, x);
        var b = Trainer.Predict(quantised, x);
        Assert.True((a - b).abs().max().item<float>() < 0.05f * a.abs().max().item<float>(), "quantised outputs drift too far");
        Assert.True(a.argmax(1).eq(b.argmax(1)).to_type(ScalarType.Float32).mean().item<float>() > 0.95f);
    }

    [Fact]
    public void Dynamic_activation_quantisation_equals_multiplying_the_dequantised_integers()
    {
        var linear = nn.Linear(300, 5); // 300 inputs: still exact in float32
        var x = randn(8, 300);
        var layer = new QuantizedLinear(linear, perChannel: true, dynamicActivations: true);
        var xp = Quantization.Observe(x, QuantDtype.UInt8, QuantScheme.Affine);
        var reference = nn.functional.linear(Quantization.Dequantize(Quantization.Quantize(x, xp), xp), layer.DequantizedWeight(), linear.bias);
        var output = layer.call(x);
        Assert.True(output.allclose(reference, rtol: 1e-4, atol: 1e-5), "integer accumulation differs from dequantise-then-multiply");
        // and differs from the weight-only layer, because the activations were rounded too
        var weightOnly = new QuantizedLinear(linear, perChannel: true).call(x);
        Assert.False(output.allclose(weightOnly, rtol: 0, atol: 1e-7));
    }

    [Fact]
    public void A_quantised_convolution_matches_the_float_one_with_its_dequantised_weight()
    {
        var conv = nn.Conv2d(1, 4, 3, padding: 1);
        var layer = new QuantizedConv2d(conv, perChannel: true);
        var x = randn(2, 1, 8, 8);
        var expected = nn.functional.conv2d(x, layer.DequantizedWeight(), conv.bias, padding: [1, 1]);
        Assert.True(layer.call(x).allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.True((layer.DequantizedWeight() - conv.weight!).abs().max().item<float>() <= layer.Params.Scales.Max() / 2 * 1.0001f);
    }
}
