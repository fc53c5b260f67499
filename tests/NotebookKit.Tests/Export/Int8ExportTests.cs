using NotebookKit.Compression;
using NotebookKit.Export;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using OnnxProto = NotebookKit.Export.Onnx.Proto.ModelProto;

namespace NotebookKit.Tests.Export;

public class Int8ExportTests(ITestOutputHelper output)
{
    /// <summary>Trains briefly on the training rows, so accuracy on held-out rows means something.</summary>
    static Module<Tensor, Tensor> Trained(Func<Module<Tensor, Tensor>> make, HeldOut data, int epochs)
    {
        Kit.Setup(seed: 11);
        var model = make();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var x = data.ModelInput(data.TrainRows);
        var y = tensor(data.TrainLabels.Select(l => (long)l).ToArray());
        var history = Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.Adam(model.parameters(), 3e-3),
            new TrainOptions { Epochs = epochs, BatchSize = 32, ClipGradNorm = 5, ProgressEvery = 0, Device = CPU });
        model.eval();
        Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s, loss {string.Join(" ", history.TrainLoss.Select(l => l.ToString("F3")))}");
        return model;
    }

    static double Accuracy(float[,] scores, int[] labels) => Ort.ArgMax(scores).Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;

    static readonly Lazy<Module<Tensor, Tensor>> cancerMlp = new(() => Trained(() =>
        Sequential(("fc1", Linear(30, 32)), ("act", ReLU()), ("fc2", Linear(32, 16)), ("bn", BatchNorm1d(16)), ("gelu", GELU()), ("out", Linear(16, 2))), HeldOut.BreastCancer, 12));
    static readonly Lazy<Module<Tensor, Tensor>> digitsCnn = new(() => Trained(() =>
        Sequential(("conv1", Conv2d(1, 8, 3, padding: 1)), ("act1", ReLU()), ("pool", MaxPool2d(2)), ("conv2", Conv2d(8, 16, 3, padding: 1)),
            ("bn", BatchNorm2d(16)), ("act2", ReLU()), ("avg", AvgPool2d(2)), ("flat", Flatten()), ("fc", Linear(64, 10))), HeldOut.Digits, 5));

    [Fact]
    public void Int8_Linear_layers_run_MatMulInteger_and_equal_the_dynamic_quantisation_maths()
    {
        var data = HeldOut.BreastCancer;
        var model = cancerMlp.Value;
        var quantized = Quantization.QuantizeModel(model, new QuantizeOptions { DynamicActivations = true });
        quantized.eval();
        var int8 = OnnxExport.ToInt8Bytes(quantized, data.Schema, data.Scaler);
        var ops = OnnxProto.Parser.ParseFrom(int8).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(3, ops.Count(o => o == "MatMulInteger"));
        Assert.DoesNotContain("Gemm", ops);
        Assert.DoesNotContain("MatMul", ops);

        // Reference: the compression code's integer maths in TorchSharp, one row at a time (ORT quantises per batch).
        int n = data.TestRows.GetLength(0);
        using var session = Ort.Session(int8);
        double maxDiff = 0, maxScale = 0;
        for (int i = 0; i < n; i++)
        {
            var row = new float[1, 30];
            Buffer.BlockCopy(data.TestRows, i * 30 * sizeof(float), row, 0, 30 * sizeof(float));
            float[,] expected;
            using (no_grad()) expected = Ort.ToMatrix(quantized.call(data.ModelInput(row)));
            maxDiff = Math.Max(maxDiff, Ort.MaxAbsDiff(expected, Ort.Run(session, row)));
            maxScale = Math.Max(maxScale, Math.Abs(expected[0, 0]) + Math.Abs(expected[0, 1]));
        }
        output.WriteLine($"int8 MLP: max |onnx int8 - TorchSharp dynamic int8| = {maxDiff:E2} over {n} single rows (outputs up to {maxScale:F1})");
        Assert.True(maxDiff <= 1e-4 * Math.Max(1, maxScale), $"max diff {maxDiff:E2}");
    }

    [Fact]
    public void Int8_export_reports_its_accuracy_drop_and_size_on_held_out_rows()
    {
        foreach (var (name, model, data) in new[] { ("breast-cancer MLP", cancerMlp.Value, HeldOut.BreastCancer), ("digits CNN", digitsCnn.Value, HeldOut.Digits) })
        {
            var fp32 = OnnxExport.ToBytes(model, data.Schema, data.Scaler);
            var int8 = OnnxExport.ToInt8Bytes(model, data.Schema, data.Scaler);
            var ops = OnnxProto.Parser.ParseFrom(int8).Graph.Node.Select(n => n.OpType).ToList();
            Assert.DoesNotContain("Gemm", ops);
            Assert.DoesNotContain("Conv", ops);
            var floatScores = Ort.Run(fp32, data.TestRows);
            var int8Scores = Ort.Run(int8, data.TestRows);
            double floatAcc = Accuracy(floatScores, data.TestLabels), int8Acc = Accuracy(int8Scores, data.TestLabels);
            double agree = Ort.ArgMax(floatScores).Zip(Ort.ArgMax(int8Scores)).Count(p => p.First == p.Second) / (double)data.TestLabels.Length;
            output.WriteLine($"{name}: {data.TestLabels.Length} held-out rows; float accuracy {floatAcc:P2}, int8 accuracy {int8Acc:P2} " +
                $"(drop {100 * (floatAcc - int8Acc):F2} points), predictions agree {agree:P2}; ONNX size {fp32.Length:N0} -> {int8.Length:N0} bytes; " +
                $"ops {string.Join(",", ops.Distinct())}");
            Assert.True(floatAcc >= 0.9, $"{name}: the float model should have learnt (accuracy {floatAcc:P1})");
            Assert.True(floatAcc - int8Acc <= 0.02, $"{name}: int8 loses {100 * (floatAcc - int8Acc):F2} points");
            Assert.True(agree >= 0.97, $"{name}: int8 and float predictions agree on {agree:P1}");
        }
    }

    [Fact]
    public void Onnx_runtime_keeps_integer_kernels_after_optimising_the_int8_graph()
    {
        // ORT's own optimised graph (all levels) shows which kernels run: integer ones, no float MatMul, Gemm or Conv.
        var data = HeldOut.Digits;
        var int8 = OnnxExport.ToInt8Bytes(digitsCnn.Value, data.Schema, data.Scaler);
        var optimised = Path.Combine(Path.GetTempPath(), $"nbkit-int8-opt-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new Microsoft.ML.OnnxRuntime.SessionOptions
                   { GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimised })
            using (new Microsoft.ML.OnnxRuntime.InferenceSession(int8, options)) { }
            var ops = OnnxProto.Parser.ParseFrom(File.ReadAllBytes(optimised)).Graph.Node.Select(n => n.OpType).ToList();
            output.WriteLine("optimised int8 graph: " + string.Join(", ", ops));
            Assert.Equal(2, ops.Count(o => o == "ConvInteger"));
            Assert.Contains(ops, o => o is "MatMulInteger" or "DynamicQuantizeMatMul" or "MatMulIntegerToFloat");
            Assert.DoesNotContain(ops, o => o is "Conv" or "FusedConv" or "Gemm" or "MatMul" or "FusedMatMul");
        }
        finally { File.Delete(optimised); }
    }

    [Fact]
    public void Int8_onnx_of_a_wider_model_is_under_a_third_of_the_float_size()
    {
        Kit.Setup(seed: 4);
        using var model = Sequential(("fc1", Linear(30, 256)), ("act1", ReLU()), ("fc2", Linear(256, 256)), ("act2", ReLU()), ("out", Linear(256, 2)));
        var data = HeldOut.BreastCancer;
        var fp32 = OnnxExport.ToBytes(model, data.Schema, data.Scaler);
        var int8 = OnnxExport.ToInt8Bytes(model, data.Schema, data.Scaler);
        output.WriteLine($"30-256-256-2 MLP: float ONNX {fp32.Length:N0} bytes, int8 ONNX {int8.Length:N0} bytes ({(double)int8.Length / fp32.Length:P1})");
        Assert.True(int8.Length < fp32.Length / 3.0, $"{int8.Length} vs {fp32.Length}");
    }

    [Fact]
    public void Int8_conv_weights_keep_their_integer_values()
    {
        var data = HeldOut.Digits;
        var quantized = Quantization.QuantizeModel(digitsCnn.Value);
        var proto = OnnxProto.Parser.ParseFrom(OnnxExport.ToInt8Bytes(quantized, data.Schema, data.Scaler));
        var w = proto.Graph.Initializer.Single(t => t.Name == "conv1.weight_q").RawData.ToByteArray();
        var q = ((QuantizedConv2d)quantized.named_children().First().module).WeightInt8.data<sbyte>().ToArray();
        Assert.Equal(q.Select(v => (byte)(v + 128)), w);
    }

    [Fact]
    public void Float_export_refuses_a_quantised_model_naming_the_layer()
    {
        var quantized = Quantization.QuantizeModel(Sequential(("fc", Linear(4, 2))));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(quantized, [4L]));
        Assert.Contains("'fc'", e.Message);
    }
}
