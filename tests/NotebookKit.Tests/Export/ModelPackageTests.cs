using System.Text.Json.Nodes;
using NotebookKit.Export;
using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Tests.Export;

public sealed class ModelPackageTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), "nbkit-package-tests-" + Guid.NewGuid().ToString("N"));

    public ModelPackageTests() => Kit.Setup(seed: 5);
    public void Dispose() { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }

    static Module<Tensor, Tensor> CancerModel() =>
        Sequential(("fc1", Linear(30, 16)), ("bn", BatchNorm1d(16)), ("act", ReLU()), ("drop", Dropout(0.2)), ("fc2", Linear(16, 2)));

    static Module<Tensor, Tensor> DigitsModel() =>
        Sequential(("conv", Conv2d(1, 4, 3, padding: 1)), ("bn", BatchNorm2d(4)), ("act", GELU()), ("pool", MaxPool2d(2)),
            ("avg", AvgPool2d(2)), ("flat", Flatten()), ("fc", Linear(16, 10)), ("tanh", Tanh()), ("out", Linear(10, 10)), ("softmax", Softmax(1)));

    string SaveCancer(out Module<Tensor, Tensor> model, bool onnx = true)
    {
        var data = HeldOut.BreastCancer;
        model = CancerModel();
        model.train();
        using (no_grad()) model.call(data.ModelInput(data.TrainRows));
        model.eval();
        var dir = Path.Combine(root, "cancer");
        ModelPackage.Save(dir, model, null, data.Schema, data.Scaler, ["malignant", "benign"],
            new Dictionary<string, double> { ["test_accuracy"] = 0.5 }, name: "cancer", version: "3", includeOnnx: onnx, includeInt8Onnx: onnx);
        return dir;
    }

    [Fact]
    public void A_package_round_trip_rebuilds_the_same_model_and_manifest()
    {
        var dir = SaveCancer(out var model);
        var data = HeldOut.BreastCancer;
        using var package = ModelPackage.Load(dir);
        var m = package.Manifest;
        Assert.Equal("cancer", m.Name);
        Assert.Equal("3", m.Version);
        Assert.Equal(data.Data.FeatureNames, m.Input.Features.Select(f => f.Name));
        Assert.All(m.Input.Features, f => Assert.Equal("float32", f.DType));
        Assert.Equal(["malignant", "benign"], m.Classes);
        Assert.Equal(0.5, m.Metrics["test_accuracy"]);
        Assert.Equal([2L], m.OutputShape);
        Assert.Equal(data.Scaler.Mean, m.Preprocessing.Mean);
        Assert.Equal(data.Scaler.Std, m.Preprocessing.Std);
        Assert.Equal("0.107.0", m.TorchSharpVersion);
        Assert.False(string.IsNullOrEmpty(m.KitVersion));
        Assert.True(DateTimeOffset.UtcNow - m.CreatedUtc < TimeSpan.FromMinutes(5));
        Assert.Equal(["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"], m.Architecture.Layers.Select(l => l.Type));
        Assert.False(package.Module.training);

        // Same weights and buffers, so the same outputs as the original model on held-out rows.
        float[,] expected;
        using (no_grad()) expected = Ort.ToMatrix(model.call(data.ModelInput(data.TestRows)));
        Assert.Equal(0.0, Ort.MaxAbsDiff(expected, package.Predict(data.TestRows)));
        Assert.Equal(Ort.ArgMax(expected).Select(i => m.Classes[i]), package.PredictLabels(data.TestRows));
        // The package's ONNX model agrees with the rebuilt module, and its int8 model predicts nearly the same labels.
        Assert.True(Ort.MaxAbsDiff(expected, Ort.Run(File.ReadAllBytes(package.OnnxPath!), data.TestRows)) <= 1e-5);
        var int8 = Ort.ArgMax(Ort.Run(File.ReadAllBytes(package.Int8OnnxPath!), data.TestRows));
        Assert.True(int8.Zip(Ort.ArgMax(expected)).Count(p => p.First == p.Second) >= 0.95 * int8.Length);
    }

    [Fact]
    public void Package_probabilities_are_the_softmax_of_the_original_model_on_raw_rows()
    {
        var dir = SaveCancer(out var model);
        var data = HeldOut.BreastCancer;
        using var package = ModelPackage.Load(dir);
        int n = data.TestRows.GetLength(0), d = data.TestRows.GetLength(1);
        var rows = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, d).Select(j => data.TestRows[i, j]).ToArray()).ToArray();
        float[,] expected;
        using (no_grad()) expected = Ort.ToMatrix(model.call(data.ModelInput(data.TestRows)).softmax(1));
        var p = package.PredictProbabilities(rows);
        Assert.Equal(n, p.Length);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 2; j++) Assert.Equal(expected[i, j], p[i][j], 5);
        Assert.Throws<ArgumentException>(() => package.PredictProbabilities([new float[d - 1]]));
    }

    [Fact]
    public void A_convolutional_package_round_trips_through_its_architecture_spec()
    {
        var data = HeldOut.Digits;
        using var model = DigitsModel();
        model.eval();
        var dir = Path.Combine(root, "digits");
        ModelPackage.Save(dir, model, ModelSpec.FromModule(model), data.Schema, data.Scaler, Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray());
        using var package = ModelPackage.Load(dir);
        Assert.Equal([1L, 8, 8], package.Manifest.Input.Shape!);
        float[,] expected;
        using (no_grad()) expected = Ort.ToMatrix(model.call(data.ModelInput(data.TestRows)));
        Assert.Equal(0.0, Ort.MaxAbsDiff(expected, package.Predict(data.TestRows)));
        Assert.True(Ort.MaxAbsDiff(expected, Ort.Run(File.ReadAllBytes(package.OnnxPath!), data.TestRows)) <= 1e-5);
    }

    [Fact]
    public void A_model_built_from_a_spec_saves_and_loads()
    {
        var spec = new ModelSpec(LayerSpec.Linear(4, 8), LayerSpec.Sigmoid(), LayerSpec.Linear(8, 3), LayerSpec.LogSoftmax());
        Assert.Equal(["0", "1", "2", "3"], spec.Layers.Select(l => l.Name));
        using var model = spec.Build();
        var dir = Path.Combine(root, "spec");
        ModelPackage.Save(dir, model, spec, InputSchema.Float32(["a", "b", "c", "d"]), classes: ["x", "y", "z"]);
        using var package = ModelPackage.Load(dir);
        var rows = new float[,] { { 1, 2, 3, 4 }, { -1, 0, 0.5f, 2 } };
        using (no_grad())
            Assert.Equal(0.0, Ort.MaxAbsDiff(Ort.ToMatrix(model.call(tensor(new float[] { 1, 2, 3, 4, -1, 0, 0.5f, 2 }, [2, 4]))), package.Predict(rows)));
    }

    [Fact]
    public void A_loaded_package_shows_its_layers_classes_metrics_and_file_sizes()
    {
        var dir = SaveCancer(out _);
        using var package = ModelPackage.Load(dir);
        var text = package.ToPlainText();
        Assert.Contains("Linear → BatchNorm1d → ReLU → Dropout → Linear", text);
        Assert.Contains("malignant, benign", text);
        Assert.Contains("test_accuracy", text);
        Assert.Contains($"{new FileInfo(Path.Combine(dir, "weights.bin")).Length:N0} bytes", text);
        Assert.Contains("<table", package.ToHtml());
    }

    [Fact]
    public void Checksums_file_is_in_sha256sum_format()
    {
        var dir = SaveCancer(out _);
        var lines = File.ReadAllLines(Path.Combine(dir, ModelPackage.ChecksumsFileName));
        Assert.Equal(["manifest.json", "weights.bin", "model.onnx", "model.int8.onnx"], lines.Select(l => l[66..]));
        // Independent digest: .NET's SHA256 over the bytes, compared with the file's hex.
        var weights = File.ReadAllBytes(Path.Combine(dir, "weights.bin"));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(weights)).ToLowerInvariant(), lines[1][..64]);
    }

    [Fact]
    public void A_tampered_weights_file_is_refused()
    {
        var dir = SaveCancer(out _);
        var path = Path.Combine(dir, "weights.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir));
        Assert.Contains("weights.bin", e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void A_truncated_weights_file_is_refused()
    {
        var dir = SaveCancer(out _);
        var path = Path.Combine(dir, "weights.bin");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir));
        Assert.Contains("weights.bin", e.Message);
    }

    [Fact]
    public void A_tampered_manifest_is_refused()
    {
        var dir = SaveCancer(out _);
        var path = Path.Combine(dir, "manifest.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"benign\"", "\"BENIGN\""));
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir));
        Assert.Contains("manifest.json", e.Message);
    }

    [Fact]
    public void A_tampered_onnx_file_is_refused()
    {
        var dir = SaveCancer(out _);
        File.AppendAllText(Path.Combine(dir, "model.onnx"), "x");
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir));
        Assert.Contains("model.onnx", e.Message);
    }

    [Fact]
    public void A_package_without_checksums_or_with_a_missing_file_is_refused()
    {
        var dir = SaveCancer(out _);
        File.Delete(Path.Combine(dir, "weights.bin"));
        Assert.Contains("weights.bin", Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir)).Message);
        File.Delete(Path.Combine(dir, ModelPackage.ChecksumsFileName));
        Assert.Contains(ModelPackage.ChecksumsFileName, Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir)).Message);
    }

    [Fact]
    public void Checksums_naming_a_file_outside_the_package_are_refused()
    {
        var dir = SaveCancer(out _);
        var sums = Path.Combine(dir, ModelPackage.ChecksumsFileName);
        File.AppendAllText(sums, new string('0', 64) + "  ../secret\n");
        Assert.Contains("../secret", Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir)).Message);
    }

    /// <summary>Rewrites the manifest and its checksum, as someone would who edits a package by hand.</summary>
    static void RewriteManifest(string dir, Func<JsonNode, JsonNode> edit)
    {
        var path = Path.Combine(dir, "manifest.json");
        File.WriteAllText(path, edit(JsonNode.Parse(File.ReadAllText(path))!).ToJsonString());
        var sums = Path.Combine(dir, ModelPackage.ChecksumsFileName);
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();
        File.WriteAllLines(sums, File.ReadAllLines(sums).Select(l => l.EndsWith("  manifest.json") ? $"{hash}  manifest.json" : l));
    }

    [Fact]
    public void A_manifest_naming_an_arbitrary_type_builds_nothing()
    {
        var dir = SaveCancer(out _);
        RewriteManifest(dir, m => { m["architecture"]!["layers"]![2]!["type"] = "System.Diagnostics.Process"; return m; });
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir));
        Assert.Contains("System.Diagnostics.Process", e.Message);
    }

    [Fact]
    public void A_manifest_with_null_fields_is_refused()
    {
        var dir = SaveCancer(out _);
        RewriteManifest(dir, m => { m["input"]!["features"]![3] = null; return m; });
        Assert.Contains("manifest.json", Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir)).Message);
        RewriteManifest(dir, m => { m["preprocessing"] = null; return m; });
        Assert.Contains("manifest.json", Assert.Throws<InvalidDataException>(() => ModelPackage.ReadManifest(dir)).Message);
    }

    [Fact]
    public void ReadManifest_verifies_checksums_without_loading_weights()
    {
        var dir = SaveCancer(out _);
        Assert.Equal("cancer", ModelPackage.ReadManifest(dir).Name);
        File.AppendAllText(Path.Combine(dir, "weights.bin"), "x");
        Assert.Contains("weights.bin", Assert.Throws<InvalidDataException>(() => ModelPackage.ReadManifest(dir)).Message);
    }

    [Fact]
    public void A_manifest_with_unknown_fields_is_refused()
    {
        var dir = SaveCancer(out _);
        RewriteManifest(dir, m => { m["$type"] = "System.Object"; return m; });
        Assert.Contains("manifest.json", Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir)).Message);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_architecture_are_refused()
    {
        var dir = SaveCancer(out _);
        RewriteManifest(dir, m => { m["architecture"]!["layers"]![0]!["out"] = 8; m["architecture"]!["layers"]![1]!["out"] = 8; m["architecture"]!["layers"]![4]!["in"] = 8; return m; });
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir));
        Assert.Contains("weights.bin", e.Message);
    }

    [Fact]
    public void A_manifest_naming_an_onnx_file_the_checksums_do_not_cover_is_refused()
    {
        var dir = SaveCancer(out _);
        var sums = Path.Combine(dir, ModelPackage.ChecksumsFileName);
        File.WriteAllLines(sums, File.ReadAllLines(sums).Where(l => !l.EndsWith("  model.int8.onnx")));
        Assert.Contains("model.int8.onnx", Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir)).Message);
    }

    [Fact]
    public void Save_refuses_a_spec_whose_sizes_differ_from_the_model()
    {
        var data = HeldOut.BreastCancer;
        using var model = Sequential(("0", Linear(30, 8)), ("1", ReLU()), ("2", Linear(8, 2)));
        var spec = new ModelSpec(LayerSpec.Linear(30, 16), LayerSpec.ReLU(), LayerSpec.Linear(16, 2));
        var e = Assert.Throws<ArgumentException>(() => ModelPackage.Save(Path.Combine(root, "x"), model, spec, data.Schema, data.Scaler));
        Assert.Contains("'0'", e.Message);
    }

    [Fact]
    public void Predict_names_the_bad_row_and_feature()
    {
        var dir = SaveCancer(out _);
        using var package = ModelPackage.Load(dir);
        var rows = new float[2, 30];
        rows[1, 3] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => package.Predict(rows));
        Assert.Contains("Row 1", e.Message);
        Assert.Contains("mean area", e.Message);
        Assert.Contains("29 values", Assert.Throws<ArgumentException>(() => package.Predict(new float[1, 29])).Message);
    }

    [Fact]
    public void Save_refuses_mismatched_schema_classes_and_unsupported_layers()
    {
        var data = HeldOut.BreastCancer;
        using var model = CancerModel();
        Assert.Throws<ArgumentException>(() => ModelPackage.Save(Path.Combine(root, "a"), model, null, InputSchema.Float32(["only one"]), null));
        Assert.Contains("3 class labels", Assert.Throws<ArgumentException>(() =>
            ModelPackage.Save(Path.Combine(root, "b"), model, null, data.Schema, data.Scaler, ["a", "b", "c"])).Message);
        using var lstm = Sequential(("fc", Linear(30, 4)), ("elu", ELU()));
        Assert.Contains("'elu'", Assert.Throws<NotSupportedException>(() =>
            ModelPackage.Save(Path.Combine(root, "c"), lstm, null, data.Schema, data.Scaler)).Message);
        var dir = SaveCancer(out _);
        Assert.Throws<IOException>(() => ModelPackage.Save(dir, model, null, data.Schema, data.Scaler));
    }
}
