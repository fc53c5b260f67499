using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace NotebookKit.Serving.Backends;

/// <summary>
/// An ONNX model run by ONNX Runtime: one float32 input [batch, features], one output [batch, classes]
/// (preprocessing is inside the graph, as NotebookKit.Export writes it); softmax is applied when the graph returns
/// logits. An int64 input (token ids, as NotebookKit.Text's exports take) is fed the rows' values as integers.
/// CUDA when asked and the CUDA execution provider is installed, else CPU.
/// </summary>
public sealed class OnnxBackend : IModelBackend
{
    readonly InferenceSession session;
    readonly RunOptions runOptions = new();
    readonly string[] inputNames, outputNames;
    readonly bool logits, int64Input;

    public string Kind { get; }
    public int FeatureCount { get; }
    public int OutputCount { get; }

    public OnnxBackend(byte[] model, bool outputsAreLogits = true, bool cuda = false, int intraOpThreads = 1)
    {
        var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        string device = "cpu";
        if (cuda)
        {
            try { options.AppendExecutionProvider_CUDA(); device = "cuda"; }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException) { /* CPU package: stay on CPU */ }
        }
        session = new InferenceSession(model, options);
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count < 1)
            throw new ArgumentException($"The ONNX model has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs; the server needs 1 input and 1 output.");
        var (iname, imeta) = session.InputMetadata.First();
        var (oname, ometa) = session.OutputMetadata.First();
        if ((imeta.ElementType != typeof(float) && imeta.ElementType != typeof(long)) || imeta.Dimensions.Length != 2 || imeta.Dimensions[1] <= 0)
            throw new ArgumentException($"The ONNX input '{iname}' must be float32 or int64 [batch, features], got {imeta.ElementType.Name} [{string.Join(", ", imeta.Dimensions)}].");
        int64Input = imeta.ElementType == typeof(long);
        if (ometa.Dimensions.Length != 2 || ometa.Dimensions[1] <= 0)
            throw new ArgumentException($"The ONNX output '{oname}' must be [batch, classes], got [{string.Join(", ", ometa.Dimensions)}].");
        inputNames = [iname]; outputNames = [oname];
        FeatureCount = imeta.Dimensions[1];
        OutputCount = ometa.Dimensions[1];
        logits = outputsAreLogits;
        Kind = $"onnxruntime/{device}";
    }

    public float[] Predict(float[] rowMajor, int rows)
    {
        // OrtValues over the managed arrays (pinned, not copied); the NamedOnnxValue API cost a copy and a tensor projection per call.
        long[] shape = [rows, FeatureCount];
        using var input = int64Input
            ? OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(rowMajor, v => (long)v), shape)
            : OrtValue.CreateTensorValueFromMemory(rowMajor, shape);
        using var results = session.Run(runOptions, inputNames, [input], outputNames);
        var output = results[0].GetTensorDataAsSpan<float>().ToArray();
        if (logits) Softmax.InPlace(output, OutputCount);
        return output;
    }

    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
