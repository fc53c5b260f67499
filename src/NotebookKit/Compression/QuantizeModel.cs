using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Compression;

/// <summary>Settings for <see cref="Quantization.QuantizeModel"/>.</summary>
public sealed record QuantizeOptions
{
    public QuantDtype Dtype { get; init; } = QuantDtype.Int8;
    public QuantScheme Scheme { get; init; } = QuantScheme.Symmetric;
    /// <summary>One scale per output channel (PyTorch's default for weights) instead of one per tensor.</summary>
    public bool PerChannel { get; init; } = true;
    /// <summary>Also quantise the activations entering each Linear layer, batch by batch (dynamic quantisation).</summary>
    public bool DynamicActivations { get; init; }
}

public static partial class Quantization
{
    /// <summary>
    /// Post-training weight quantisation of a Sequential model (nested Sequentials included): every Linear becomes a
    /// <see cref="QuantizedLinear"/> and every Conv2d a <see cref="QuantizedConv2d"/>; other layers are shared with the
    /// original. The result stores 8-bit weights, so its saved size is about a quarter of the float model's.
    /// </summary>
    public static Sequential QuantizeModel(Module<Tensor, Tensor> model, QuantizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new QuantizeOptions();
        if (model is not Sequential sequential)
            throw new ArgumentException($"QuantizeModel works on Sequential models (as Models builds them); got {model.GetType().Name}.", nameof(model));
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        foreach (var (name, child) in sequential.named_children())
            layers.Add((name, child switch
            {
                Linear linear => new QuantizedLinear(linear, options.Dtype, options.Scheme, options.PerChannel, options.DynamicActivations),
                Conv2d conv => new QuantizedConv2d(conv, options.Dtype, options.Scheme, options.PerChannel),
                Sequential inner => QuantizeModel(inner, options),
                Module<Tensor, Tensor> other when !other.parameters().Any(p => p.dim() > 1) => other,
                _ => throw new ArgumentException($"Layer '{name}' ({child.GetType().Name}) has weight matrices but is not Linear or Conv2d; it cannot be quantised.", nameof(model)),
            }));
        return Sequential(layers);
    }
}
