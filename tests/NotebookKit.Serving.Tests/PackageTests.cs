using NotebookKit.Export;

namespace NotebookKit.Serving.Tests;

public sealed class PackageTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), $"nbkit-pkg-{Guid.NewGuid():N}");

    public PackageTests()
    {
        var data = Models.Data;
        var scaler = new NotebookKit.Data.StandardScaler().Fit(data.Features);
        using var module = Models.Module();
        ModelPackage.Save(dir, module, null, InputSchema.Float32(data.FeatureNames), Preprocessing.FromScaler(scaler), data.ClassNames,
            new Dictionary<string, double> { ["accuracy"] = 0.97 }, name: "cancer", version: "3");
    }

    public void Dispose() { try { Directory.Delete(dir, true); } catch (IOException) { } }

    [Theory]
    [InlineData("onnx", "onnxruntime/cpu")]
    [InlineData("torch", "torchsharp/cpu")]
    public async Task A_package_is_served_with_the_chosen_backend_and_matches_TorchSharp(string backend, string kind)
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(dir, backend, device: TorchSharp.torch.CPU));
        using var client = server.CreateClient();
        var meta = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/v2/models/cancer"))!;
        Assert.Equal(kind, (string?)meta["platform"]);
        Assert.Equal("3", (string?)meta["version"]);
        Assert.Equal("0.97", (string?)meta["parameters"]!["metric_accuracy"]);
        var rows = Models.Rows.Take(40).ToArray();
        var (status, json) = await Bodies.Post(client, "/v2/models/cancer/infer", Bodies.Infer(rows));
        Assert.Equal(200, status);
        var data = json!["outputs"]![0]!["data"]!.AsArray().Select(n => (float)n!).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            var e = Models.Direct(rows[i]);
            Assert.True(Math.Abs(e[1] - data[2 * i + 1]) < 1e-5, $"row {i}: {data[2 * i + 1]} vs {e[1]}");
        }
    }

    [Fact]
    public void A_tampered_package_is_refused_before_serving()
    {
        var weights = Path.Combine(dir, ModelPackage.WeightsFileName);
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(weights, bytes);
        var error = Assert.Throws<InvalidDataException>(() => PackageModels.Load(dir));
        Assert.Contains(ModelPackage.WeightsFileName, error.Message);
    }

    [Fact]
    public void A_truncated_onnx_file_is_refused()
    {
        var onnx = Path.Combine(dir, ModelPackage.OnnxFileName);
        File.WriteAllBytes(onnx, File.ReadAllBytes(onnx)[..100]);
        Assert.Contains(ModelPackage.OnnxFileName, Assert.Throws<InvalidDataException>(() => PackageModels.Load(dir, "onnx")).Message);
    }

    [Fact]
    public async Task Hot_reload_from_a_new_package_version_switches_backends()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(dir, "torch", device: TorchSharp.torch.CPU));
        using var client = server.CreateClient();
        await server.ReloadAsync(PackageModels.Load(dir, "onnx", version: "4"));
        var (status, json) = await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]));
        Assert.Equal(200, status);
        Assert.Equal("4", (string?)json!["version"]);
    }
}
