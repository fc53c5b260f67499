using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NotebookKit.Export;
using NotebookKit.Export.Onnx.Proto;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace NotebookKit.Text;

/// <summary>
/// A text classifier exported by <see cref="TextOnnxExport"/>, run by ONNX Runtime (10-text-classification-case-study):
/// token ids in, one logit per message out, the same contract as the TorchSharp module in eval mode.
/// </summary>
public sealed class OnnxTextModel : IDisposable
{
    readonly InferenceSession session;

    /// <summary>Number of operators in the graph (what a runtime executes per call).</summary>
    public int Nodes { get; }
    /// <summary>Threads ONNX Runtime may use inside one operator; 0 lets it choose (one per physical core).</summary>
    public int IntraOpThreads { get; }
    /// <summary>Size of the ONNX model in bytes.</summary>
    public long Bytes { get; }

    /// <param name="model">ONNX bytes from <see cref="TextOnnxExport.ToBytes"/>.</param>
    /// <param name="intraOpThreads">0 (ONNX Runtime's default) or a fixed thread count, e.g. 1 to compare with one libtorch thread.</param>
    public OnnxTextModel(byte[] model, int intraOpThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (intraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), $"Threads must be 0 or more, got {intraOpThreads}.");
        var graph = ModelProto.Parser.ParseFrom(model).Graph;
        if (graph.Input.Count != 1 || graph.Input[0].Name != OnnxExport.InputName)
            throw new ArgumentException($"Expected one input named '{OnnxExport.InputName}' (a TextOnnxExport model).", nameof(model));
        Nodes = graph.Node.Count;
        Bytes = model.LongLength;
        IntraOpThreads = intraOpThreads;
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads };
        session = new InferenceSession(model, options);
    }

    /// <summary>One logit per row of <paramref name="ids"/>, int64 token ids [batch, length] (any device).</summary>
    public float[] Logits(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.dim() != 2) throw new ArgumentException($"Token ids must be [batch, length], got [{string.Join(", ", ids.shape)}].", nameof(ids));
        if (ids.dtype != ScalarType.Int64) throw new ArgumentException($"Token ids must be int64, got {ids.dtype}.", nameof(ids));
        using var cpu = ids.cpu();
        var values = cpu.data<long>().ToArray();
        var feed = NamedOnnxValue.CreateFromTensor(OnnxExport.InputName,
            new DenseTensor<long>(values, [(int)ids.shape[0], (int)ids.shape[1]]));
        using var results = session.Run([feed]);
        return results.First().AsTensor<float>().ToArray();
    }

    /// <summary>P(spam) per row: the sigmoid of <see cref="Logits"/>.</summary>
    public double[] Probabilities(Tensor ids) => Logits(ids).Select(z => 1 / (1 + Math.Exp(-(double)z))).ToArray();

    public void Dispose() => session.Dispose();
}
