using Google.Protobuf;
using NotebookKit.Export.Onnx.Proto;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Export;

/// <summary>Options for <see cref="OnnxExport"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Graph name and the model's "name" metadata.</summary>
    public string ModelName { get; init; } = "model";
    /// <summary>Fold a BatchNorm that directly follows a Linear or Conv2d into its weights (else: a Mul and an Add).</summary>
    public bool FoldBatchNorm { get; init; } = true;
    /// <summary>Class labels, stored as metadata "classes" (comma-separated JSON array).</summary>
    public IReadOnlyList<string>? Classes { get; init; }
}

/// <summary>
/// ONNX export of the kit's Sequential models, written with Google.Protobuf from the ONNX IR schema (onnx.proto),
/// opset <see cref="Opset"/>, IR version <see cref="IrVersion"/> (introduced in 08-export-and-serving).
/// The graph takes one float32 input <c>"input"</c> of shape <c>[batch, features]</c> (batch is the dynamic
/// dimension "batch"), applies the preprocessing (standardisation: Sub then Div), reshapes to the schema's per-row
/// shape and runs the layers in evaluation mode; its output <c>"output"</c> is <c>[batch, ..OutputShape]</c>.
/// Layer mapping: Linear → Gemm (MatMul+Add above rank 2), Conv2d → Conv, MaxPool2d → MaxPool, AvgPool2d →
/// AveragePool, Flatten → Flatten/Reshape, ReLU/Sigmoid/Tanh → same, GELU → Erf formula (opset 17 has no Gelu),
/// Softmax/LogSoftmax → same (axis = dim), Dropout/Identity → nothing, BatchNorm → folded or Mul+Add with
/// scale = γ/√(var+ε), shift = β − mean·scale. A layer outside that list is a <see cref="NotSupportedException"/>
/// naming it.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the exports use.</summary>
    public const int Opset = 17;
    /// <summary>ONNX IR version 8, the one that goes with opset 17.</summary>
    public const int IrVersion = 8;
    /// <summary>Name of the graph's input, float32 [batch, features] of raw (unscaled) rows.</summary>
    public const string InputName = "input";
    /// <summary>Name of the graph's output, float32 [batch, ..OutputShape].</summary>
    public const string OutputName = "output";

    /// <summary>The ONNX model bytes for <paramref name="model"/> taking rows described by <paramref name="schema"/>.</summary>
    public static byte[] ToBytes(nn.Module<Tensor, Tensor> model, InputSchema schema, Preprocessing? preprocessing = null, OnnxExportOptions? options = null) =>
        Build(model, schema, preprocessing, options, int8: false).ToByteArray();

    /// <summary>
    /// The int8 ONNX model: every Linear and Conv2d runs on 8-bit integers in ONNX Runtime. Weights are the int8
    /// values of <see cref="Compression.Quantization.QuantizeModel"/> (a float model is quantised first with
    /// <paramref name="quantize"/>, default per-channel symmetric int8; an already quantised model is used as is).
    /// Activations are quantised per batch at run time (dynamic quantisation, affine uint8 from the batch's min and
    /// max, as PyTorch's dynamic quantisation): Linear → DynamicQuantizeLinear + MatMulInteger, Conv2d →
    /// DynamicQuantizeLinear + ConvInteger (weights stored as uint8 q+128 with zero point 128, the type ONNX
    /// Runtime's ConvInteger kernel takes), then y = x_scale · w_scale · Σ(x_q − x_zp)(w_q − w_zp) + b in float32.
    /// Other layers, preprocessing, input and output are as in the float export. BatchNorm after a quantised layer is
    /// exported as Mul+Add (not folded).
    /// </summary>
    public static byte[] ToInt8Bytes(nn.Module<Tensor, Tensor> model, InputSchema schema, Preprocessing? preprocessing = null,
        OnnxExportOptions? options = null, Compression.QuantizeOptions? quantize = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool hasFloat = model.named_children().Any(c => c.module is Linear or Conv2d);
        if (!hasFloat) return Build(model, schema, preprocessing, options, int8: true).ToByteArray();
        if (model.named_children().Any(c => c.module is Compression.IQuantizedLayer))
            throw new ArgumentException("The model mixes float and quantised Linear/Conv2d layers; quantise it with Quantization.QuantizeModel or pass the float model.", nameof(model));
        var quantized = Compression.Quantization.QuantizeModel(model, quantize ?? new Compression.QuantizeOptions());
        return Build(quantized, schema, preprocessing, options, int8: true).ToByteArray();
    }

    /// <summary>The int8 ONNX model for a model taking rows of <c>prod(inputShape)</c> unnamed float features (f0, f1, ...).</summary>
    public static byte[] ToInt8Bytes(nn.Module<Tensor, Tensor> model, long[] inputShape, Preprocessing? preprocessing = null,
        OnnxExportOptions? options = null, Compression.QuantizeOptions? quantize = null) =>
        ToInt8Bytes(model, SchemaFor(inputShape), preprocessing, options, quantize);

    /// <summary>Writes the int8 export (<see cref="ToInt8Bytes(nn.Module{Tensor, Tensor}, InputSchema, Preprocessing?, OnnxExportOptions?, Compression.QuantizeOptions?)"/>) to <paramref name="path"/>.</summary>
    public static void SaveInt8(string path, nn.Module<Tensor, Tensor> model, InputSchema schema, Preprocessing? preprocessing = null,
        OnnxExportOptions? options = null, Compression.QuantizeOptions? quantize = null) =>
        File.WriteAllBytes(path, ToInt8Bytes(model, schema, preprocessing, options, quantize));

    /// <summary>The ONNX model bytes for a model taking rows of <c>prod(inputShape)</c> unnamed float features (f0, f1, ...).</summary>
    public static byte[] ToBytes(nn.Module<Tensor, Tensor> model, long[] inputShape, Preprocessing? preprocessing = null, OnnxExportOptions? options = null) =>
        ToBytes(model, SchemaFor(inputShape), preprocessing, options);

    /// <summary>Writes <see cref="ToBytes(nn.Module{Tensor, Tensor}, InputSchema, Preprocessing?, OnnxExportOptions?)"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, nn.Module<Tensor, Tensor> model, InputSchema schema, Preprocessing? preprocessing = null, OnnxExportOptions? options = null) =>
        File.WriteAllBytes(path, ToBytes(model, schema, preprocessing, options));

    /// <summary>Writes the float ONNX export of a loaded package's model, with its preprocessing and class labels.</summary>
    public static void Save(string path, ModelPackage package, OnnxExportOptions? options = null) =>
        File.WriteAllBytes(path, ToBytes(package.Module, package.Manifest.Input, package.Manifest.Preprocessing,
            (options ?? new OnnxExportOptions()) with { ModelName = options?.ModelName ?? package.Manifest.Name, Classes = package.Manifest.Classes }));

    internal static InputSchema SchemaFor(long[] inputShape)
    {
        long size = inputShape.Aggregate(1L, (a, b) => a * b);
        if (inputShape.Length == 0 || size < 1 || size > int.MaxValue) throw new ArgumentException($"Input shape [{string.Join(", ", inputShape)}] must have positive sizes.", nameof(inputShape));
        return InputSchema.Float32(Enumerable.Range(0, (int)size).Select(i => $"f{i}"), inputShape);
    }

    internal static ModelProto Build(nn.Module<Tensor, Tensor> model, InputSchema schema, Preprocessing? preprocessing, OnnxExportOptions? options,
        bool int8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new OnnxExportOptions();
        preprocessing ??= Preprocessing.None;
        schema.Validate();
        preprocessing.Validate(schema.Features.Count);
        var spec = ModelSpec.FromModule(model, allowQuantized: int8);
        var shapes = spec.Shapes(schema.TensorShape);
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);

        var g = new OnnxGraph();
        string x = InputName;
        if (preprocessing.IsStandardize)
        {
            x = g.Node("Sub", [x, g.Constant("scaler_mean", preprocessing.Mean!, [preprocessing.Mean!.Length])]);
            x = g.Node("Div", [x, g.Constant("scaler_std", preprocessing.Std!, [preprocessing.Std!.Length])]);
        }
        if (schema.TensorShape.Length > 1)
            x = g.Node("Reshape", [x, g.Constant64("input_shape", [-1, .. schema.TensorShape])]);

        using var noGrad = torch.no_grad();
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var module = children[layer.Name];
            var inShape = shapes[i];
            LayerSpec? next = i + 1 < spec.Layers.Count ? spec.Layers[i + 1] : null;
            switch (layer.Type)
            {
                case "Linear" when module is Compression.IQuantizedLayer q:
                    x = EmitInt8Linear(g, x, layer.Name, q);
                    break;
                case "Conv2d" when module is Compression.IQuantizedLayer q:
                    x = EmitInt8Conv(g, x, layer, q);
                    break;
                case "Linear":
                case "Conv2d":
                {
                    var (w, b) = layer.Type == "Linear" ? (((Linear)module).weight!, ((Linear)module).bias) : (((Conv2d)module).weight!, ((Conv2d)module).bias);
                    var weight = w.detach().cpu().to_type(ScalarType.Float64);
                    var bias = b?.detach().cpu().to_type(ScalarType.Float64);
                    bool fold = options.FoldBatchNorm && next is not null
                        && ((layer.Type == "Linear" && inShape.Length == 1 && next.Type == "BatchNorm1d") || (layer.Type == "Conv2d" && next.Type == "BatchNorm2d"));
                    if (fold)
                    {
                        var (scale, shift) = BatchNormAffine((BatchNorm)children[next!.Name]);
                        var perChannel = scale.reshape([-1, .. Enumerable.Repeat(1L, (int)weight.dim() - 1)]);
                        weight = weight * perChannel;
                        bias = (bias is null ? shift : bias * scale + shift);
                        i++; // the BatchNorm is inside the weights now
                    }
                    x = layer.Type == "Linear" ? EmitLinear(g, x, layer.Name, weight, bias, inShape) : EmitConv(g, x, layer, weight, bias);
                    break;
                }
                case "BatchNorm1d":
                case "BatchNorm2d":
                {
                    var (scale, shift) = BatchNormAffine((BatchNorm)module);
                    long[] dims = [scale.shape[0], .. Enumerable.Repeat(1L, inShape.Length - 1)];
                    x = g.Node("Mul", [x, g.Constant($"{layer.Name}.scale", Floats(scale), dims)]);
                    x = g.Node("Add", [x, g.Constant($"{layer.Name}.shift", Floats(shift), dims)]);
                    break;
                }
                case "MaxPool2d":
                    x = g.Node("MaxPool", [x], name: layer.Name,
                        Ints("kernel_shape", layer.Kernel!), Ints("strides", layer.Stride ?? layer.Kernel!), Ints("pads", Pads(layer.Padding)),
                        Ints("dilations", layer.Dilation ?? [1, 1]), Int("ceil_mode", layer.CeilMode == true ? 1 : 0));
                    break;
                case "AvgPool2d":
                    x = g.Node("AveragePool", [x], name: layer.Name,
                        Ints("kernel_shape", layer.Kernel!), Ints("strides", layer.Stride ?? layer.Kernel!), Ints("pads", Pads(layer.Padding)),
                        Int("ceil_mode", layer.CeilMode == true ? 1 : 0), Int("count_include_pad", layer.CountIncludePad == false ? 0 : 1));
                    break;
                case "Flatten":
                {
                    var outShape = shapes[i + 1];
                    x = outShape.Length == 1
                        ? g.Node("Flatten", [x], name: layer.Name, Int("axis", 1))
                        : g.Node("Reshape", [x, g.Constant64($"{layer.Name}.shape", [0, .. outShape])], name: layer.Name);
                    break;
                }
                case "ReLU": x = g.Node("Relu", [x], name: layer.Name); break;
                case "Sigmoid": x = g.Node("Sigmoid", [x], name: layer.Name); break;
                case "Tanh": x = g.Node("Tanh", [x], name: layer.Name); break;
                case "GELU": x = EmitGelu(g, x, layer); break;
                case "Softmax":
                case "LogSoftmax":
                {
                    long dim = layer.Dim!.Value < 0 ? layer.Dim.Value + inShape.Length + 1 : layer.Dim.Value;
                    x = g.Node(layer.Type, [x], name: layer.Name, Int("axis", dim));
                    break;
                }
                case "Dropout":
                case "Identity":
                    break;
                default:
                    throw new NotSupportedException($"Layer '{layer.Name}' ({layer.Type}) has no ONNX export.");
            }
        }
        x = g.NodeTo(OutputName, "Identity", [x]);

        var graph = new GraphProto { Name = options.ModelName };
        graph.Node.AddRange(g.Nodes);
        graph.Initializer.AddRange(g.Initializers);
        graph.Input.Add(ValueInfo(InputName, [-1, schema.Features.Count]));
        graph.Output.Add(ValueInfo(OutputName, [-1, .. shapes[^1]]));
        var proto = new ModelProto
        {
            IrVersion = IrVersion, ProducerName = "NotebookKit", ProducerVersion = ModelPackage.VersionOf(typeof(OnnxExport).Assembly),
            Graph = graph, DocString = $"Exported by NotebookKit from a TorchSharp Sequential ({string.Join(", ", spec.Layers.Select(l => l.Type))}).",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "name", Value = options.ModelName });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "feature_names", Value = System.Text.Json.JsonSerializer.Serialize(schema.Features.Select(f => f.Name)) });
        if (options.Classes is { Count: > 0 })
            proto.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = System.Text.Json.JsonSerializer.Serialize(options.Classes) });
        return proto;
    }

    static string EmitLinear(OnnxGraph g, string x, string name, Tensor weight, Tensor? bias, long[] inShape)
    {
        var (outF, inF) = (weight.shape[0], weight.shape[1]);
        if (inShape.Length == 1)
        {
            var inputs = new List<string> { x, g.Constant($"{name}.weight", Floats(weight), [outF, inF]) };
            if (bias is not null) inputs.Add(g.Constant($"{name}.bias", Floats(bias), [outF]));
            return g.Node("Gemm", inputs, name: name, Int("transB", 1));
        }
        // Gemm is 2-D only; above that, x @ W^T (+ b) broadcasts over the leading dimensions as Linear does.
        var y = g.Node("MatMul", [x, g.Constant($"{name}.weight_t", Floats(weight.t()), [inF, outF])], name: name);
        return bias is null ? y : g.Node("Add", [y, g.Constant($"{name}.bias", Floats(bias), [outF])]);
    }

    static string EmitConv(OnnxGraph g, string x, LayerSpec l, Tensor weight, Tensor? bias)
    {
        var inputs = new List<string> { x, g.Constant($"{l.Name}.weight", Floats(weight), weight.shape) };
        if (bias is not null) inputs.Add(g.Constant($"{l.Name}.bias", Floats(bias), [weight.shape[0]]));
        return g.Node("Conv", inputs, name: l.Name, ConvAttributes(l));
    }

    static string EmitInt8Linear(OnnxGraph g, string x, string name, Compression.IQuantizedLayer q)
    {
        var w = q.WeightInt8.detach().cpu();
        var (outF, inF) = (w.shape[0], w.shape[1]);
        // uint8 weights, as for ConvInteger: int8 q maps exactly to q + 128 with zero point z + 128. ONNX Runtime's
        // uint8 x int8 kernel on AVX2 without VNNI sums pairs of products in int16 and saturates (seen: errors of
        // 0.8 on outputs of 13); its uint8 x uint8 kernel is exact on every CPU.
        bool signed = w.dtype == ScalarType.Int8;
        var u8 = signed ? w.to_type(ScalarType.Int16).add(128).to_type(ScalarType.Byte) : w;
        string weight = g.ConstantU8($"{name}.weight_q", u8.t().contiguous().data<byte>().ToArray(), [inF, outF]);
        var zeros = q.ZeroPoints.cpu().data<long>().ToArray();
        var perColumn = zeros.Length == 1 ? Enumerable.Repeat(zeros[0], (int)outF).ToArray() : zeros;
        var xq = g.NodeN("DynamicQuantizeLinear", [x], 3, name: $"{name}.quantize_input");
        var inputs = new List<string> { xq[0], weight, xq[2],
            g.ConstantU8($"{name}.weight_zero_point", perColumn.Select(z => (byte)(z + (signed ? 128 : 0))).ToArray(), [outF]) };
        var acc = g.Node("MatMulInteger", inputs, name: name);
        return Rescale(g, name, acc, xq[1], q, [outF]);
    }

    static string EmitInt8Conv(OnnxGraph g, string x, LayerSpec l, Compression.IQuantizedLayer q)
    {
        var w = q.WeightInt8.detach().cpu();
        var zeros = q.ZeroPoints.cpu().data<long>().ToArray();
        if (zeros.Distinct().Count() != 1)
            throw new NotSupportedException($"Layer '{l.Name}' (Conv2d) has per-channel zero points; ONNX Runtime's ConvInteger takes one (use symmetric quantisation).");
        // ConvInteger in ONNX Runtime takes uint8 weights: int8 q maps exactly to q + 128 with zero point z + 128.
        bool signed = w.dtype == ScalarType.Int8;
        var u8 = signed ? w.to_type(ScalarType.Int16).add(128).to_type(ScalarType.Byte) : w;
        var weight = g.ConstantU8($"{l.Name}.weight_q", u8.contiguous().data<byte>().ToArray(), w.shape);
        var zero = g.ConstantU8($"{l.Name}.weight_zero_point", [(byte)(zeros[0] + (signed ? 128 : 0))], []);
        var xq = g.NodeN("DynamicQuantizeLinear", [x], 3, name: $"{l.Name}.quantize_input");
        var acc = g.Node("ConvInteger", [xq[0], weight, xq[2], zero], l.Name, ConvAttributes(l));
        return Rescale(g, l.Name, acc, xq[1], q, [w.shape[0], 1, 1]);
    }

    /// <summary>float(acc) · (x_scale · w_scale) + bias, with w_scale and bias shaped <paramref name="channelShape"/>.</summary>
    static string Rescale(OnnxGraph g, string name, string acc, string xScale, Compression.IQuantizedLayer q, long[] channelShape)
    {
        var scales = q.Scales.cpu().to_type(ScalarType.Float32).data<float>().ToArray();
        long[] scaleShape = scales.Length == 1 ? [] : channelShape;
        var scale = g.Node("Mul", [xScale, g.Constant($"{name}.weight_scale", scales, scaleShape)]);
        var y = g.Node("Mul", [g.Node("Cast", [acc], $"{name}.to_float", Int("to", (long)TensorProto.Types.DataType.Float)), scale]);
        return q.Bias is null ? y : g.Node("Add", [y, g.Constant($"{name}.bias", Floats(q.Bias), channelShape)]);
    }

    internal static AttributeProto[] ConvAttributes(LayerSpec l) =>
    [
        Ints("kernel_shape", l.Kernel!), Ints("strides", l.Stride ?? [1, 1]), Ints("pads", Pads(l.Padding)),
        Ints("dilations", l.Dilation ?? [1, 1]), Int("group", l.Groups ?? 1),
    ];

    static string EmitGelu(OnnxGraph g, string x, LayerSpec l)
    {
        if (ModelSpec.TanhGelu(l))
        {
            // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), as PyTorch's approximate="tanh".
            var x3 = g.Node("Mul", [g.Node("Mul", [x, x]), x]);
            var inner = g.Node("Add", [x, g.Node("Mul", [x3, g.Scalar($"{l.Name}.c", 0.044715f)])]);
            var t = g.Node("Tanh", [g.Node("Mul", [inner, g.Scalar($"{l.Name}.k", (float)Math.Sqrt(2 / Math.PI))])]);
            return g.Node("Mul", [g.Node("Mul", [x, g.Scalar($"{l.Name}.half", 0.5f)]), g.Node("Add", [t, g.Scalar($"{l.Name}.one", 1f)])], name: l.Name);
        }
        // x · 0.5 · (1 + erf(x / √2)), as PyTorch computes the exact GELU.
        var erf = g.Node("Erf", [g.Node("Mul", [x, g.Scalar($"{l.Name}.rsqrt2", (float)(1 / Math.Sqrt(2)))])]);
        return g.Node("Mul", [g.Node("Mul", [x, g.Scalar($"{l.Name}.half", 0.5f)]), g.Node("Add", [erf, g.Scalar($"{l.Name}.one", 1f)])], name: l.Name);
    }

    /// <summary>Evaluation-mode BatchNorm as y = x·scale + shift per channel, in float64.</summary>
    static (Tensor Scale, Tensor Shift) BatchNormAffine(BatchNorm bn)
    {
        var mean = bn.running_mean!.detach().cpu().to_type(ScalarType.Float64);
        var var_ = bn.running_var!.detach().cpu().to_type(ScalarType.Float64);
        var gamma = bn.weight?.detach().cpu().to_type(ScalarType.Float64) ?? torch.ones_like(mean);
        var beta = bn.bias?.detach().cpu().to_type(ScalarType.Float64) ?? torch.zeros_like(mean);
        var scale = gamma / torch.sqrt(var_ + bn.eps);
        return (scale, beta - mean * scale);
    }

    internal static float[] Floats(Tensor t) => t.detach().cpu().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();

    static long[] Pads(long[]? padding) => padding is null ? [0, 0, 0, 0] : [padding[0], padding[1], padding[0], padding[1]];

    internal static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
    internal static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    internal static ValueInfoProto ValueInfo(string name, long[] dims, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}

/// <summary>Collects nodes and initializers with unique names.</summary>
internal sealed class OnnxGraph
{
    public List<NodeProto> Nodes { get; } = [];
    public List<TensorProto> Initializers { get; } = [];
    readonly HashSet<string> names = [];
    int counter;

    string Unique(string stem)
    {
        var name = stem;
        while (!names.Add(name)) name = $"{stem}_{++counter}";
        return name;
    }

    public string Node(string op, IEnumerable<string> inputs, string? name = null, params AttributeProto[] attributes) =>
        NodeTo(null, op, inputs, name, attributes);

    /// <summary>A node with <paramref name="outputs"/> outputs (e.g. DynamicQuantizeLinear's y, y_scale, y_zero_point).</summary>
    public string[] NodeN(string op, IEnumerable<string> inputs, int outputs, string? name = null, params AttributeProto[] attributes)
    {
        var first = NodeTo(null, op, inputs, name, attributes);
        var node = Nodes[^1];
        for (int i = 1; i < outputs; i++) node.Output.Add(Unique($"{node.Name}:{i}"));
        return [first, .. node.Output.Skip(1)];
    }

    public string NodeTo(string? output, string op, IEnumerable<string> inputs, string? name = null, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Unique((name ?? op.ToLowerInvariant()) + "/" + op) };
        node.Input.AddRange(inputs);
        var outName = output ?? Unique(node.Name + ":0");
        if (output is not null) names.Add(output);
        node.Output.Add(outName);
        node.Attribute.AddRange(attributes);
        Nodes.Add(node);
        return outName;
    }

    public string Constant(string name, float[] data, long[] dims) =>
        Add(name, TensorProto.Types.DataType.Float, dims, MemoryMarshalBytes(data));
    public string Scalar(string name, float value) => Constant(name, [value], []);
    public string Constant64(string name, long[] data) =>
        Add(name, TensorProto.Types.DataType.Int64, [data.Length], MemoryMarshalBytes(data));
    public string ConstantU8(string name, byte[] data, long[] dims) =>
        Add(name, TensorProto.Types.DataType.Uint8, dims, data.ToArray());
    public string Constant32(string name, int[] data, long[] dims) =>
        Add(name, TensorProto.Types.DataType.Int32, dims, MemoryMarshalBytes(data));

    string Add(string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        var t = new TensorProto { Name = Unique(name), DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        Initializers.Add(t);
        return t.Name;
    }

    // ONNX raw_data is little-endian, as .NET is on every platform TorchSharp runs.
    static byte[] MemoryMarshalBytes<T>(T[] data) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
}
