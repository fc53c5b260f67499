using NotebookKit.Export;
using NotebookKit.Setup;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Tests.Export;

public class OnnxExportTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-5;

    /// <summary>One small model per supported layer type (and layer option), on real held-out rows.</summary>
    static readonly Dictionary<string, (Func<Module<Tensor, Tensor>> Make, bool Images)> Cases = new()
    {
        ["Linear"] = (() => Sequential(("fc", Linear(30, 2))), false),
        ["Linear without bias"] = (() => Sequential(("fc", Linear(30, 2, hasBias: false))), false),
        ["ReLU"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", ReLU()), ("fc2", Linear(16, 2))), false),
        ["Sigmoid"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", Sigmoid()), ("fc2", Linear(16, 2))), false),
        ["Tanh"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", Tanh()), ("fc2", Linear(16, 2))), false),
        ["GELU"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", GELU()), ("fc2", Linear(16, 2))), false),
        ["GELU tanh"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", GELU(TorchSharp.Modules.GELU.Approximate.tanh)), ("fc2", Linear(16, 2))), false),
        ["Softmax"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", ReLU()), ("fc2", Linear(16, 2)), ("softmax", Softmax(1))), false),
        ["LogSoftmax"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", ReLU()), ("fc2", Linear(16, 2)), ("logsoftmax", LogSoftmax(-1))), false),
        ["Dropout"] = (() => Sequential(("fc1", Linear(30, 16)), ("act", ReLU()), ("drop", Dropout(0.5)), ("fc2", Linear(16, 2))), false),
        ["BatchNorm1d folded"] = (() => Sequential(("fc1", Linear(30, 16)), ("bn", BatchNorm1d(16)), ("act", ReLU()), ("fc2", Linear(16, 2))), false),
        ["BatchNorm1d standalone"] = (() => Sequential(("bn", BatchNorm1d(30)), ("fc", Linear(30, 2))), false),
        ["Conv2d"] = (() => Sequential(("conv", Conv2d(1, 4, 3, padding: 1)), ("act", ReLU()), ("flat", Flatten()), ("fc", Linear(256, 10))), true),
        ["Conv2d strided, dilated, grouped"] = (() => Sequential(("conv1", Conv2d(1, 4, 3, stride: 2, padding: 1)), ("conv2", Conv2d(4, 4, 2, dilation: 2, groups: 2)),
            ("flat", Flatten()), ("fc", Linear(16, 10))), true),
        ["MaxPool2d"] = (() => Sequential(("conv", Conv2d(1, 4, 3)), ("pool", MaxPool2d(2)), ("flat", Flatten()), ("fc", Linear(36, 10))), true),
        ["MaxPool2d padded, ceil"] = (() => Sequential(("conv", Conv2d(1, 4, 3)), ("pool", MaxPool2d((3, 3), (2, 2), (1, 1), ceil_mode: true)), ("flat", Flatten()), ("fc", Linear(64, 10))), true),
        ["AvgPool2d"] = (() => Sequential(("pool", AvgPool2d(2)), ("flat", Flatten()), ("fc", Linear(16, 10))), true),
        ["AvgPool2d padded"] = (() => Sequential(("pool", AvgPool2d((3, 3), (2, 2), (1, 1))), ("flat", Flatten()), ("fc", Linear(16, 10))), true),
        ["BatchNorm2d folded"] = (() => Sequential(("conv", Conv2d(1, 4, 3)), ("bn", BatchNorm2d(4)), ("act", ReLU()), ("flat", Flatten()), ("fc", Linear(144, 10))), true),
        ["BatchNorm2d standalone"] = (() => Sequential(("bn", BatchNorm2d(1)), ("conv", Conv2d(1, 2, 3)), ("flat", Flatten()), ("fc", Linear(72, 10))), true),
        ["Flatten partial, Linear on 3-D"] = (() => Sequential(("flat1", Flatten(2, 3)), ("fc1", Linear(64, 8)), ("flat2", Flatten()), ("fc2", Linear(8, 10))), true),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);


    static Module<Tensor, Tensor> Make(string name, HeldOut data)
    {
        Kit.Setup(seed: 3);
        var model = Cases[name].Make();
        // Non-trivial BatchNorm statistics: a few training-mode passes over training rows, then random affine terms.
        if (model.modules().OfType<TorchSharp.Modules.BatchNorm>().Any())
        {
            model.train();
            using (no_grad())
                for (int i = 0; i < 5; i++) model.call(data.ModelInput(data.TrainRows)[TensorIndex.Slice(i * 64, (i + 1) * 64)] * 1.5 + 0.3);
            foreach (var bn in model.modules().OfType<TorchSharp.Modules.BatchNorm>())
                using (no_grad()) { bn.weight!.uniform_(0.5, 2.0); bn.bias!.uniform_(-1, 1); }
        }
        model.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Onnx_runtime_output_equals_TorchSharp_output_on_held_out_rows(string name)
    {
        var data = Cases[name].Images ? HeldOut.Digits : HeldOut.BreastCancer;
        using var model = Make(name, data);
        float[,] expected;
        using (no_grad()) expected = Ort.ToMatrix(model.call(data.ModelInput(data.TestRows)));
        foreach (var fold in new[] { true, false })
        {
            var onnx = OnnxExport.ToBytes(model, data.Schema, data.Scaler, new OnnxExportOptions { FoldBatchNorm = fold });
            var actual = Ort.Run(onnx, data.TestRows);
            var diff = Ort.MaxAbsDiff(expected, actual);
            output?.WriteLine($"{name} (fold {fold}): {data.TestRows.GetLength(0)} rows, max |onnx - torch| = {diff:E2}");
            Assert.True(diff <= Tolerance, $"{name} (fold BatchNorm {fold}): max abs diff {diff:E2} > {Tolerance:E0}");
        }
    }

    [Fact]
    public void Batch_dimension_is_dynamic()
    {
        var data = HeldOut.BreastCancer;
        using var model = Make("ReLU", data);
        var onnx = OnnxExport.ToBytes(model, data.Schema, data.Scaler);
        foreach (var n in new[] { 1, 7, data.TestRows.GetLength(0) })
        {
            var rows = new float[n, 30];
            Buffer.BlockCopy(data.TestRows, 0, rows, 0, n * 30 * sizeof(float));
            Assert.Equal(n, Ort.Run(onnx, rows).GetLength(0));
        }
        var proto = NotebookKit.Export.Onnx.Proto.ModelProto.Parser.ParseFrom(onnx);
        Assert.Equal("batch", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(17, proto.OpsetImport.Single().Version);
    }

    [Fact]
    public void Folding_BatchNorm_removes_it_from_the_graph()
    {
        var data = HeldOut.Digits;
        using var model = Make("BatchNorm2d folded", data);
        var folded = NotebookKit.Export.Onnx.Proto.ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(model, data.Schema, data.Scaler));
        var exported = NotebookKit.Export.Onnx.Proto.ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(model, data.Schema, data.Scaler, new OnnxExportOptions { FoldBatchNorm = false }));
        Assert.Equal(["Sub", "Div", "Reshape", "Conv", "Relu", "Flatten", "Gemm", "Identity"], folded.Graph.Node.Select(n => n.OpType));
        Assert.Contains("Mul", exported.Graph.Node.Select(n => n.OpType));
    }

    [Fact]
    public void An_unsupported_layer_is_an_error_naming_it()
    {
        using var model = Sequential(("fc", Linear(4, 4)), ("leaky", LeakyReLU()), ("out", Linear(4, 2)));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(model, [4L]));
        Assert.Contains("'leaky'", e.Message);
        Assert.Contains("LeakyReLU", e.Message);
    }

    [Fact]
    public void A_model_that_does_not_fit_its_input_is_an_error_naming_the_layer()
    {
        using var model = Sequential(("fc1", Linear(30, 8)), ("fc2", Linear(16, 2)));
        var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(model, [30L]));
        Assert.Contains("'fc2'", e.Message);
    }
}
