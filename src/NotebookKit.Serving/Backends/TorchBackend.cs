using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Serving.Backends;

/// <summary>
/// A TorchSharp module as a backend: z = (x - mean) / std when a scaler is given, then the module, then softmax
/// when the module returns logits. Runs on <see cref="Kit.Device"/> unless a device is given; one dispose scope
/// and no_grad per batch.
/// </summary>
public sealed class TorchBackend : IModelBackend
{
    readonly nn.Module<Tensor, Tensor> module;
    readonly Tensor? mean, std;
    readonly bool logits;
    readonly Device device;
    readonly ScalarType inputType;

    public string Kind => $"torchsharp/{device.type.ToString().ToLowerInvariant()}";
    public int FeatureCount { get; }
    public int OutputCount { get; }

    /// <param name="outputsAreLogits">True when the module ends in a Linear layer (softmax is applied here).</param>
    /// <param name="inputType">The module's input type: Float32 rows, or Int64 for token ids (rows hold them as floats).</param>
    public TorchBackend(nn.Module<Tensor, Tensor> module, int featureCount, float[]? scalerMean = null, float[]? scalerStd = null,
        bool outputsAreLogits = true, Device? device = null, ScalarType inputType = ScalarType.Float32)
    {
        if (inputType is not (ScalarType.Float32 or ScalarType.Int64)) throw new ArgumentException($"Input type must be Float32 or Int64, got {inputType}.", nameof(inputType));
        if (inputType == ScalarType.Int64 && scalerMean is not null) throw new ArgumentException("Token ids are not scaled; give no scaler with Int64 input.");
        this.inputType = inputType;
        if (featureCount < 1) throw new ArgumentOutOfRangeException(nameof(featureCount));
        if ((scalerMean is null) != (scalerStd is null)) throw new ArgumentException("Give both scaler mean and std, or neither.");
        if (scalerMean is not null && (scalerMean.Length != featureCount || scalerStd!.Length != featureCount))
            throw new ArgumentException($"Scaler has {scalerMean.Length} means / {scalerStd!.Length} stds for {featureCount} features.");
        this.device = device ?? Kit.Device;
        this.module = module;
        module.to(this.device);
        module.eval();
        logits = outputsAreLogits;
        FeatureCount = featureCount;
        if (scalerMean is not null)
        {
            mean = tensor(scalerMean).to(this.device).DetachFromDisposeScope();
            std = tensor(scalerStd!).to(this.device).DetachFromDisposeScope();
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        OutputCount = (int)module.call(zeros(1, featureCount, dtype: inputType, device: this.device)).shape[^1];
    }

    public float[] Predict(float[] rowMajor, int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(rowMajor, [rows, FeatureCount]).to_type(inputType).to(device);
        if (mean is not null) x = (x - mean) / std!;
        var y = module.call(x);
        if (logits) y = y.softmax(1);
        return y.to(CPU).contiguous().data<float>().ToArray();
    }

    public void Dispose()
    {
        mean?.Dispose();
        std?.Dispose();
        module.Dispose();
    }
}
