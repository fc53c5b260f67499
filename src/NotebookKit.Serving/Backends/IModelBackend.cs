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

/// <summary>Row-by-row use of a backend, for notebooks and tests.</summary>
public static class ModelBackends
{
    /// <summary>Class probabilities of raw rows, one array per row (the row-major output of
    /// <see cref="IModelBackend.Predict"/> split into rows).</summary>
    public static float[][] PredictRows(this IModelBackend backend, IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("Give at least one row.", nameof(rows));
        if (rows.Any(r => r.Length != backend.FeatureCount))
            throw new ArgumentException($"Every row must have {backend.FeatureCount} values.", nameof(rows));
        var flat = backend.Predict(rows.SelectMany(r => r).ToArray(), rows.Count);
        int k = backend.OutputCount;
        return Enumerable.Range(0, rows.Count).Select(i => flat.AsSpan(i * k, k).ToArray()).ToArray();
    }
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

/// <summary>
/// A binary classifier that outputs one logit z per row (NotebookKit.Text's models) as two class probabilities:
/// [1 − σ(z), σ(z)], σ(z) = 1 / (1 + e^−z) computed in double. The inner backend must return raw logits (built with
/// <c>outputsAreLogits: false</c>) of shape [rows, 1].
/// </summary>
public sealed class BinaryLogitBackend : IModelBackend
{
    readonly IModelBackend inner;

    public BinaryLogitBackend(IModelBackend inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (inner.OutputCount != 1) throw new ArgumentException($"The model must output one logit per row, not {inner.OutputCount} values.", nameof(inner));
        this.inner = inner;
    }

    public string Kind => inner.Kind;
    public int FeatureCount => inner.FeatureCount;
    public int OutputCount => 2;

    public float[] Predict(float[] rowMajor, int rows)
    {
        var logits = inner.Predict(rowMajor, rows);
        var probabilities = new float[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            double p = 1 / (1 + Math.Exp(-(double)logits[r]));
            probabilities[2 * r] = (float)(1 - p);
            probabilities[2 * r + 1] = (float)p;
        }
        return probabilities;
    }

    public void Dispose() => inner.Dispose();
}
