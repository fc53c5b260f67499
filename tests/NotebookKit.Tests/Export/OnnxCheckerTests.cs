using System.Diagnostics;
using NotebookKit.Export;
using NotebookKit.Setup;
using static TorchSharp.torch.nn;

namespace NotebookKit.Tests.Export;

/// <summary>The ONNX project's own checker (Debian's python3-onnx, installed by scripts/test.sh) accepts every export.</summary>
public sealed class OnnxCheckerTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("nbkit-onnx-check-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task The_onnx_checker_accepts_float_and_int8_exports_with_full_shape_inference()
    {
        Kit.Setup(seed: 2);
        var cancer = HeldOut.BreastCancer;
        var digits = HeldOut.Digits;
        using var mlp = Sequential(("fc1", Linear(30, 16)), ("bn", BatchNorm1d(16)), ("gelu", GELU()), ("drop", Dropout(0.1)), ("fc2", Linear(16, 8)),
            ("tanh", Tanh()), ("fc3", Linear(8, 2)), ("softmax", Softmax(1)));
        using var cnn = Sequential(("bn0", BatchNorm2d(1)), ("conv", Conv2d(1, 4, 3, padding: 1)), ("bn", BatchNorm2d(4)), ("sig", Sigmoid()), ("max", MaxPool2d(2)),
            ("avg", AvgPool2d(2)), ("flat1", Flatten(2, 3)), ("fc1", Linear(4, 3)), ("flat2", Flatten()), ("fc2", Linear(12, 10)), ("logsoftmax", LogSoftmax(1)));
        mlp.eval(); cnn.eval();
        var files = new Dictionary<string, byte[]>
        {
            ["mlp.onnx"] = OnnxExport.ToBytes(mlp, cancer.Schema, cancer.Scaler),
            ["mlp-unfolded.onnx"] = OnnxExport.ToBytes(mlp, cancer.Schema, cancer.Scaler, new OnnxExportOptions { FoldBatchNorm = false }),
            ["mlp.int8.onnx"] = OnnxExport.ToInt8Bytes(mlp, cancer.Schema, cancer.Scaler),
            ["cnn.onnx"] = OnnxExport.ToBytes(cnn, digits.Schema, digits.Scaler),
            ["cnn.int8.onnx"] = OnnxExport.ToInt8Bytes(cnn, digits.Schema, digits.Scaler),
        };
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(dir, name), bytes);

        var script = Path.Combine(TestPaths.RepoRoot, "tests", "NotebookKit.Tests", "Export", "onnx_check.py");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (var name in files.Keys) psi.ArgumentList.Add(Path.Combine(dir, name));
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"onnx checker failed (is python3-onnx installed? scripts/test.sh installs it):\n{stderr}");
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Count, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"ai.onnx\": 17", l));
        Assert.Contains(lines, l => l.Contains("mlp.onnx") && l.Contains("[\"batch\", 2]"));
        Assert.Contains(lines, l => l.Contains("cnn.int8.onnx") && l.Contains("[\"batch\", 10]"));
    }
}
