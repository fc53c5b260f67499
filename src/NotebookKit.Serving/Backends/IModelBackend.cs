namespace NotebookKit.Serving.Backends;

/// <summary>
/// Runs a model on a batch of rows. Contract: <see cref="Predict"/> takes raw (unscaled) features row-major
/// [rows, <see cref="FeatureCount"/>] and returns class probabilities row-major [rows, <see cref="OutputCount"/>].
/// Called from one batching thread per model version, never concurrently.
/// </summary>
public interface IModelBackend : IDisposable
{
    /// <summary>"torchsharp" or "onnxruntime", with the device (e.g. "torchsharp/cpu").</summary>
    string Kind { get; }
    int FeatureCount { get; }
    int OutputCount { get; }
    float[] Predict(float[] rowMajor, int rows);
}

/// <summary>Numerically stable softmax over each row of a row-major [rows, k] array, in place.</summary>
public static class Softmax
{
    public static void InPlace(Span<float> values, int k)
    {
        for (int start = 0; start < values.Length; start += k)
        {
            var row = values.Slice(start, k);
            float max = float.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            float sum = 0;
            for (int i = 0; i < k; i++) { row[i] = MathF.Exp(row[i] - max); sum += row[i]; }
            for (int i = 0; i < k; i++) row[i] /= sum;
        }
    }
}
