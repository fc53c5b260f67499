using NotebookKit.Compression;
using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Text;

/// <summary>
/// An <see cref="EmbeddingBagClassifier"/> with its embedding table stored as int8 (10-text-classification-case-study):
/// one symmetric scale per word (row), q = round(w / scale), so a word's vector is scale · q. The table is almost all
/// of the model; a row of d dimensions shrinks from 4d bytes to d + 4 (its float32 scale), so the saving is below
/// fourfold, and the more so the narrower the embedding. The small output layer stays float32. Only the rows of a
/// message's words are dequantised, after the lookup. A <see cref="TextPackage"/> saves and serves it as is.
/// </summary>
public sealed class QuantizedEmbeddingBagClassifier : Module<Tensor, Tensor>
{
    Tensor table_int8;
    Tensor row_scales;
    readonly Linear output;

    /// <summary>The int8 table [vocabulary, dimensions].</summary>
    public Tensor TableInt8 => table_int8;
    /// <summary>One float32 scale per row [vocabulary].</summary>
    public Tensor RowScales => row_scales;
    internal Linear Output => output;

    public QuantizedEmbeddingBagClassifier(EmbeddingBagClassifier model) : base(nameof(QuantizedEmbeddingBagClassifier))
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        var weight = model.Embedding.weight!;
        var p = Quantization.Observe(weight, QuantDtype.Int8, QuantScheme.Symmetric, axis: 0);
        table_int8 = Quantization.Quantize(weight, p);
        row_scales = tensor(p.Scales, device: weight.device);
        var source = model.Output;
        output = Linear(source.in_features, source.out_features, device: source.weight!.device);
        output.weight!.copy_(source.weight!);
        output.bias!.copy_(source.bias!);
        RegisterComponents();
    }

    /// <summary>An int8 bag of the given shape with zero weights, for <see cref="TextPackage.Load"/> to load into.</summary>
    internal QuantizedEmbeddingBagClassifier(int vocabulary, int dimensions, Device device) : base(nameof(QuantizedEmbeddingBagClassifier))
    {
        table_int8 = zeros(vocabulary, dimensions, ScalarType.Int8, device);
        row_scales = ones(vocabulary, device: device);
        output = Linear(dimensions, 1, device: device);
        RegisterComponents();
    }

    /// <summary>Largest |dequantised − float| over the table: at most half a row's scale.</summary>
    public double MaxTableError(EmbeddingBagClassifier original)
    {
        using var scope = NewDisposeScope();
        var dequantised = table_int8.to_type(ScalarType.Float32) * row_scales.unsqueeze(1);
        return (dequantised - original.Embedding.weight!).abs().max().to_type(ScalarType.Float64).cpu().item<double>();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var mask = ids.ne(Held.Of(Vocabulary.PadId)).unsqueeze(-1).to_type(ScalarType.Float32);
        var rows = table_int8.index_select(0, ids.flatten()).to_type(ScalarType.Float32)
            * row_scales.index_select(0, ids.flatten()).unsqueeze(1);
        var vectors = rows.reshape(ids.shape[0], ids.shape[1], -1);
        return output.call(TextModels.MaskedMean(vectors, mask)).MoveToOuterDisposeScope();
    }
}
