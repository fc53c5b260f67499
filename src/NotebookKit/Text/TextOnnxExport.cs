using Google.Protobuf;
using NotebookKit.Export;
using NotebookKit.Export.Onnx.Proto;
using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Text;

/// <summary>
/// ONNX export (opset 17) of the token-id text classifiers, <see cref="EmbeddingBagClassifier"/> (float or int8,
/// <see cref="QuantizedEmbeddingBagClassifier"/>) and <see cref="TransformerClassifier"/>: input "input" int64 [batch, length] token ids (0 = padding), output "output"
/// float [batch, 1] logits, as the TorchSharp module computes them in eval mode. The graph uses Gather for the
/// embeddings, MatMul and Softmax for attention, LayerNormalization, and ReduceSum for the masked mean. The length is
/// fixed at export (the sequence length the model was encoded with); the batch is free.
/// </summary>
public static class TextOnnxExport
{
    public static byte[] ToBytes(nn.Module<Tensor, Tensor> model, int length, string name = "text-classifier")
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), $"length must be at least 1, got {length}.");
        var g = new OnnxGraph();
        using var noGrad = no_grad();
        string ids = OnnxExport.InputName;
        // keep[b, l] = 1 for a real token, 0 for padding, as [batch, length, 1] for the masked mean.
        var padding = g.Node("Equal", [ids, g.Constant64("pad_id", [Vocabulary.PadId])]);
        var keep = g.Node("Cast", [g.Node("Not", [padding])], "keep", OnnxExport.Int("to", (long)TensorProto.Types.DataType.Float));
        var keep3 = g.Node("Unsqueeze", [keep, g.Constant64("axis_last", [2])]);
        string pooled = model switch
        {
            EmbeddingBagClassifier bag => MaskedMean(g, g.Node("Gather", [Weight(g, "embedding", bag.Embedding), ids]), keep3),
            QuantizedEmbeddingBagClassifier q => MaskedMean(g, Int8Rows(g, q, ids), keep3),
            TransformerClassifier t => Transformer(g, t, ids, padding, keep3, length),
            _ => throw new NotSupportedException(
                "TextOnnxExport exports EmbeddingBagClassifier, QuantizedEmbeddingBagClassifier and TransformerClassifier, " +
                $"not {model.GetType().Name}; " +
                "export a Sequential (such as TextModels.KerasMlp) with OnnxExport."),
        };
        var output = model switch
        {
            EmbeddingBagClassifier b => b.Output,
            QuantizedEmbeddingBagClassifier q => q.Output,
            _ => ((TransformerClassifier)model).Output,
        };
        g.NodeTo(OnnxExport.OutputName, "Identity", [Linear(g, "output", pooled, output)]);

        var graph = new GraphProto { Name = name };
        graph.Node.AddRange(g.Nodes);
        graph.Initializer.AddRange(g.Initializers);
        graph.Input.Add(OnnxExport.ValueInfo(OnnxExport.InputName, [-1, length], TensorProto.Types.DataType.Int64));
        graph.Output.Add(OnnxExport.ValueInfo(OnnxExport.OutputName, [-1, 1]));
        var proto = new ModelProto
        {
            IrVersion = OnnxExport.IrVersion, ProducerName = "NotebookKit", Graph = graph,
            DocString = $"Exported by NotebookKit from a {model.GetType().Name}: token ids in, one logit per message out.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxExport.Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "name", Value = name });
        return proto.ToByteArray();
    }

    static string Transformer(OnnxGraph g, TransformerClassifier t, string ids, string padding, string keep3, int length)
    {
        if (length > t.MaxLength) throw new ArgumentException($"length {length} exceeds the model's {t.MaxLength} positions.");
        long d = t.Dimensions;
        // Attention bias [batch, 1, 1, length]: -1e9 on padding keys, as the module adds.
        var bias = g.Node("Mul", [g.Node("Cast", [padding], "padding_float", OnnxExport.Int("to", (long)TensorProto.Types.DataType.Float)),
            g.Scalar("minus_large", -1e9f)]);
        bias = g.Node("Unsqueeze", [bias, g.Constant64("axes_1_2", [1, 2])]);
        var positions = OnnxExport.Floats(t.Positions.weight!.narrow(0, 0, length));
        var x = g.Node("Add", [g.Node("Gather", [Weight(g, "tokens", t.Tokens), ids]), g.Constant("positions", positions, [length, d])]);
        int i = 0;
        foreach (var layer in t.Layers) x = EncoderLayer(g, $"layer{i++}", layer, x, bias, d);
        return MaskedMean(g, LayerNorm(g, "norm", x, t.Norm), keep3);
    }

    static string EncoderLayer(OnnxGraph g, string name, EncoderLayer layer, string x, string bias, long d)
    {
        long heads = layer.Heads, headSize = d / heads;
        var qkv = Linear(g, $"{name}.qkv", LayerNorm(g, $"{name}.norm1", x, layer.Norm1), layer.Qkv);
        var parts = g.Node("Transpose", [g.Node("Reshape", [qkv, g.Constant64($"{name}.qkv_shape", [0, 0, 3, heads, headSize])])],
            $"{name}.heads", OnnxExport.Ints("perm", [2, 0, 3, 1, 4]));
        var split = g.NodeN("Split", [parts, g.Constant64($"{name}.split", [1, 1, 1])], 3, $"{name}.split", OnnxExport.Int("axis", 0));
        var first = g.Constant64($"{name}.axis0", [0]);
        var (q, key, v) = (g.Node("Squeeze", [split[0], first]), g.Node("Squeeze", [split[1], first]), g.Node("Squeeze", [split[2], first]));
        var scores = g.Node("Div", [g.Node("MatMul", [q, g.Node("Transpose", [key], $"{name}.keys_t", OnnxExport.Ints("perm", [0, 1, 3, 2]))]),
            g.Scalar($"{name}.sqrt_head", (float)Math.Sqrt(headSize))]);
        var attention = g.Node("Softmax", [g.Node("Add", [scores, bias])], $"{name}.softmax", OnnxExport.Int("axis", -1));
        var context = g.Node("Transpose", [g.Node("MatMul", [attention, v])], $"{name}.merge", OnnxExport.Ints("perm", [0, 2, 1, 3]));
        context = g.Node("Reshape", [context, g.Constant64($"{name}.merged_shape", [0, 0, d])]);
        x = g.Node("Add", [x, Linear(g, $"{name}.projection", context, layer.Projection)]);
        var hidden = g.Node("Relu", [Linear(g, $"{name}.hidden", LayerNorm(g, $"{name}.norm2", x, layer.Norm2), layer.Hidden)]);
        return g.Node("Add", [x, Linear(g, $"{name}.back", hidden, layer.Back)]);
    }

    /// <summary>sum over length of x·keep divided by max(sum keep, 1), as <see cref="TextModels.MaskedMean"/>.</summary>
    static string MaskedMean(OnnxGraph g, string x, string keep3)
    {
        var axis = g.Constant64("axis_length", [1]);
        var sum = g.Node("ReduceSum", [g.Node("Mul", [x, keep3]), axis], "pool_sum", OnnxExport.Int("keepdims", 0));
        var count = g.Node("Max", [g.Node("ReduceSum", [keep3, axis], "pool_count", OnnxExport.Int("keepdims", 0)), g.Scalar("one", 1f)]);
        return g.Node("Div", [sum, count], "mean_pool");
    }

    static string Linear(OnnxGraph g, string name, string x, Linear linear)
    {
        var w = linear.weight!;
        var y = g.Node("MatMul", [x, g.Constant($"{name}.weight_t", OnnxExport.Floats(w.t()), [w.shape[1], w.shape[0]])], name);
        return linear.bias is null ? y : g.Node("Add", [y, g.Constant($"{name}.bias", OnnxExport.Floats(linear.bias), [w.shape[0]])]);
    }

    static string LayerNorm(OnnxGraph g, string name, string x, LayerNorm norm)
    {
        var scale = g.Constant($"{name}.weight", OnnxExport.Floats(norm.weight!), [norm.weight!.shape[0]]);
        var shift = g.Constant($"{name}.bias", OnnxExport.Floats(norm.bias!), [norm.bias!.shape[0]]);
        return g.Node("LayerNormalization", [x, scale, shift], name,
            OnnxExport.Int("axis", -1), new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = (float)TextModels.LayerNormEpsilon });
    }

    /// <summary>
    /// The int8 table's rows for the ids, dequantised: stored as uint8 q + 128 (ONNX's plain integer initialisers in the
    /// kit's graph builder), so a row is scale · (Cast(Gather(table)) − 128).
    /// </summary>
    static string Int8Rows(OnnxGraph g, QuantizedEmbeddingBagClassifier q, string ids)
    {
        var shifted = q.TableInt8.cpu().to_type(ScalarType.Int16).Plus(Held.Of(128L)).to_type(ScalarType.Byte).contiguous();
        var table = g.ConstantU8("table_uint8", shifted.data<byte>().ToArray(), q.TableInt8.shape);
        var rows = g.Node("Cast", [g.Node("Gather", [table, ids])], "rows", OnnxExport.Int("to", (long)TensorProto.Types.DataType.Float));
        var scales = g.Constant("row_scales", OnnxExport.Floats(q.RowScales.unsqueeze(1)), [q.RowScales.shape[0], 1]);
        return g.Node("Mul", [g.Node("Sub", [rows, g.Scalar("zero_point", 128f)]), g.Node("Gather", [scales, ids])], "dequantised");
    }

    static string Weight(OnnxGraph g, string name, Embedding embedding) =>
        g.Constant($"{name}.weight", OnnxExport.Floats(embedding.weight!), embedding.weight!.shape);
}
