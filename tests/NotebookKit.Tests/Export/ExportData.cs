using Microsoft.ML.OnnxRuntime;
using NotebookKit.Data;
using NotebookKit.Export;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Export;

/// <summary>Held-out rows of two real data sets, with the scaler fitted on the training rows only.</summary>
sealed class HeldOut
{
    public required Dataset Data { get; init; }
    public required float[,] TrainRows { get; init; }
    public required int[] TrainLabels { get; init; }
    public required float[,] TestRows { get; init; }
    public required int[] TestLabels { get; init; }
    public required Preprocessing Scaler { get; init; }
    public required InputSchema Schema { get; init; }

    static readonly Lazy<HeldOut> cancer = new(() => Make(Datasets.BreastCancer(TestPaths.Data("breast_cancer.csv")), null));
    static readonly Lazy<HeldOut> digits = new(() => Make(Datasets.Digits(TestPaths.Data("digits.csv.gz")), [1, 8, 8]));
    public static HeldOut BreastCancer => cancer.Value;
    public static HeldOut Digits => digits.Value;

    static HeldOut Make(Dataset d, long[]? shape)
    {
        var labels = d.LabelArray();
        var (train, test) = Splits.TrainTestSplit((int)d.Count, 0.25, seed: 0, stratify: labels);
        var x = d.FeatureRows();
        var scaler = new StandardScaler().Fit(d.Features.index_select(0, tensor(train)));
        return new HeldOut
        {
            Data = d, TrainRows = Rows(x, train), TrainLabels = train.Select(i => labels[i]).ToArray(),
            TestRows = Rows(x, test), TestLabels = test.Select(i => labels[i]).ToArray(),
            Scaler = Preprocessing.FromScaler(scaler), Schema = InputSchema.Float32(d.FeatureNames, shape),
        };
    }

    static float[,] Rows(float[][] x, long[] index)
    {
        var r = new float[index.Length, x[0].Length];
        for (int i = 0; i < index.Length; i++)
            for (int j = 0; j < x[0].Length; j++) r[i, j] = x[index[i]][j];
        return r;
    }

    /// <summary>The rows after the scaler, as the model sees them: [n, ..shape].</summary>
    public Tensor ModelInput(float[,] rows)
    {
        int n = rows.GetLength(0), d = rows.GetLength(1);
        var flat = new float[n * d];
        Buffer.BlockCopy(rows, 0, flat, 0, flat.Length * sizeof(float));
        var t = (tensor(flat, [n, d]) - tensor(Scaler.Mean!)) / tensor(Scaler.Std!);
        return t.reshape([n, .. Schema.TensorShape]);
    }
}

static class Ort
{
    /// <summary>Runs an ONNX model on rows with ONNX Runtime (all graph optimisations on, as in production).</summary>
    public static float[,] Run(byte[] model, float[,] rows)
    {
        using var session = Session(model);
        return Run(session, rows);
    }

    public static InferenceSession Session(byte[] model)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        return new InferenceSession(model, options);
    }

    public static float[,] Run(InferenceSession session, float[,] rows)
    {
        int n = rows.GetLength(0), d = rows.GetLength(1);
        var flat = new float[n * d];
        Buffer.BlockCopy(rows, 0, flat, 0, flat.Length * sizeof(float));
        using var input = OrtValue.CreateTensorValueFromMemory(flat, [n, d]);
        using var outputs = session.Run(new RunOptions(), [OnnxExport.InputName], [input], [OnnxExport.OutputName]);
        var y = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var result = new float[n, y.Length / n];
        Buffer.BlockCopy(y, 0, result, 0, y.Length * sizeof(float));
        return result;
    }

    public static float[,] ToMatrix(Tensor t)
    {
        int n = (int)t.shape[0];
        var y = t.detach().cpu().contiguous().reshape(n, -1).data<float>().ToArray();
        var r = new float[n, y.Length / n];
        Buffer.BlockCopy(y, 0, r, 0, y.Length * sizeof(float));
        return r;
    }

    public static double MaxAbsDiff(float[,] a, float[,] b)
    {
        Assert.Equal(a.GetLength(0), b.GetLength(0));
        Assert.Equal(a.GetLength(1), b.GetLength(1));
        double m = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) m = Math.Max(m, Math.Abs((double)a[i, j] - b[i, j]));
        return m;
    }

    public static int[] ArgMax(float[,] y) =>
        Enumerable.Range(0, y.GetLength(0)).Select(i => Enumerable.Range(0, y.GetLength(1)).MaxBy(j => y[i, j])).ToArray();
}
