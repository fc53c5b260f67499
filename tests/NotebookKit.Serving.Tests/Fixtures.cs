using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NotebookKit.Data;
using NotebookKit.Serving.Backends;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace NotebookKit.Serving.Tests;

/// <summary>A logistic-regression model trained on breast cancer, shared by the tests.</summary>
public static class Models
{
    static readonly object Gate = new();
    static Dataset? data;
    static float[]? mean, std;
    static byte[]? weights;

    public static Dataset Data { get { Train(); return data!; } }
    public static float[][] Rows => Data.FeatureRows();

    static void Train()
    {
        lock (Gate)
        {
            if (weights is not null) return;
            Kit.ApplyNativeFix();
            torch.random.manual_seed(1);
            data = Datasets.BreastCancer(Path.Combine(Root, "data", "breast_cancer.csv"));
            var scaler = new StandardScaler().Fit(data.Features);
            mean = scaler.Mean!.data<float>().ToArray();
            std = scaler.Std!.data<float>().ToArray();
            // On the CPU whatever Kit.Device is: the reference weights and Direct() run there; backends move their own copy.
            var model = NotebookKit.Training.Models.LogisticRegression(30, 2).to(CPU);
            var optimizer = optim.Adam(model.parameters(), 0.05);
            Trainer.Fit(model, scaler.Transform(data.Features), data.Labels, (o, y) => nn.functional.cross_entropy(o, y), optimizer,
                new TrainOptions { Epochs = 15, BatchSize = 64, ProgressEvery = 0, Seed = 1, Device = CPU });
            using var ms = new MemoryStream();
            model.save(ms);
            weights = ms.ToArray();
        }
    }

    /// <summary>A fresh module with the trained weights (each served version owns and disposes its module).</summary>
    public static nn.Module<Tensor, Tensor> Module()
    {
        Train();
        var m = NotebookKit.Training.Models.LogisticRegression(30, 2).to(CPU);
        m.load(new MemoryStream(weights!));
        return m;
    }

    public static TorchBackend Backend() => new(Module(), 30, mean, std, outputsAreLogits: true, device: CPU);

    public static ServedModel Served(string name = "bc", string version = "1", IModelBackend? backend = null, bool drift = true) =>
        new(name, version, backend ?? Backend(), Data.FeatureNames, Data.ClassNames) { ReferenceRows = drift ? Rows : null };

    /// <summary>Probabilities computed directly with TorchSharp (not through the server): softmax(W((x-mean)/std)+b).</summary>
    public static float[] Direct(float[] row)
    {
        Train();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var m = Module();
        m.eval();
        var x = (tensor(row).reshape(1, 30) - tensor(mean!)) / tensor(std!);
        return m.call(x).softmax(1).data<float>().ToArray();
    }

    public static string Root { get; } = FindRoot();
    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NotebookKit.sln"))) return dir.FullName;
        throw new InvalidOperationException("NotebookKit.sln not found");
    }
}

/// <summary>Request bodies.</summary>
public static class Bodies
{
    public static string Row(float[] row, IReadOnlyList<string>? names = null)
    {
        names ??= Models.Data.FeatureNames;
        var o = new JsonObject();
        for (int i = 0; i < row.Length; i++) o[names[i]] = row[i];
        return o.ToJsonString();
    }

    public static string Predict(params float[][] rows) => "{\"rows\":[" + string.Join(",", rows.Select(r => Row(r))) + "]}";

    public static string Infer(float[][] rows, bool nested = false, string datatype = "FP32")
    {
        var data = nested ? (JsonNode)new JsonArray(rows.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)v).ToArray())).ToArray())
            : new JsonArray(rows.SelectMany(r => r).Select(v => (JsonNode)v).ToArray());
        return new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject
            {
                ["name"] = "input", ["shape"] = new JsonArray(rows.Length, rows.Length == 0 ? 30 : rows[0].Length),
                ["datatype"] = datatype, ["data"] = data,
            }),
        }.ToJsonString();
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static async Task<(int Status, JsonNode? Json)> Post(HttpClient client, string path, string body)
    {
        using var response = await client.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try { json = JsonNode.Parse(text); } catch (JsonException) { }
        return ((int)response.StatusCode, json);
    }
}

/// <summary>A backend wrapper that records batch sizes, can be slowed down, and notices use after dispose.</summary>
public sealed class ProbeBackend(IModelBackend inner, int delayMs = 0) : IModelBackend
{
    public readonly List<int> Batches = [];
    public volatile bool Disposed;
    public int UsedAfterDispose;
    public string Kind => inner.Kind;
    public int FeatureCount => inner.FeatureCount;
    public int OutputCount => inner.OutputCount;

    public float[] Predict(float[] rowMajor, int rows)
    {
        if (Disposed) Interlocked.Increment(ref UsedAfterDispose);
        lock (Batches) Batches.Add(rows);
        if (delayMs > 0) Thread.Sleep(delayMs);
        return inner.Predict(rowMajor, rows);
    }

    public void Dispose() { Disposed = true; inner.Dispose(); }
}
