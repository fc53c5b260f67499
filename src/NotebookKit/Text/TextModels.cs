using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Text;

/// <summary>
/// The text classifiers of 10-text-classification-case-study. Each returns one logit per message ([batch, 1]) and is
/// built on <see cref="Kit.Device"/> unless told otherwise; train them with <see cref="BinaryCrossEntropy"/> on
/// float labels of shape [n, 1] and read probabilities with <see cref="Probabilities"/>.
/// </summary>
public static class TextModels
{
    /// <summary>
    /// The source's Keras recipe: Dense(128, relu), Dense(64, relu), Dense(1, sigmoid) on tf-idf vectors, with Keras's
    /// initialisation (Glorot-uniform kernels, zero biases) rather than PyTorch's. The sigmoid lives in the loss.
    /// </summary>
    public static Sequential KerasMlp(int inputs, Device? device = null)
    {
        var model = Sequential(
            ("dense1", Linear(inputs, 128)), ("relu1", ReLU()),
            ("dense2", Linear(128, 64)), ("relu2", ReLU()),
            ("output", Linear(64, 1)));
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("weight")) init.xavier_uniform_(p); else init.zeros_(p);
        return model.to(device ?? Kit.Device);
    }

    /// <summary>Mean of the word embeddings of a message (padding ignored), dropout, then a linear layer.</summary>
    public static EmbeddingBagClassifier EmbeddingBag(int vocabulary, int dimensions = 64, double dropout = 0.2, Device? device = null) =>
        new EmbeddingBagClassifier(vocabulary, dimensions, dropout).to(device ?? Kit.Device);

    /// <summary>A pre-norm Transformer encoder with learned positions, mean-pooled over real tokens.</summary>
    public static TransformerClassifier Transformer(int vocabulary, int maxLength, int dimensions = 64, int heads = 4,
        int layers = 2, double dropout = 0.1, Device? device = null) =>
        new TransformerClassifier(vocabulary, maxLength, dimensions, heads, layers, dropout).to(device ?? Kit.Device);

    /// <summary>PyTorch's default; the ONNX export writes the same value.</summary>
    internal const double LayerNormEpsilon = 1e-5;

    /// <summary>Binary cross-entropy on logits (Keras's loss on a sigmoid output, computed stably).</summary>
    public static Tensor BinaryCrossEntropy(Tensor logits, Tensor labels) =>
        functional.binary_cross_entropy_with_logits(logits, labels);

    /// <summary>P(spam) per row: sigmoid of the model's logits, under no_grad in eval mode.</summary>
    public static double[] Probabilities(Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var probabilities = sigmoid(Trainer.Predict(model, x)).reshape(-1).to_type(ScalarType.Float64).cpu();
        return probabilities.data<double>().ToArray();
    }

    /// <summary>Float labels [n, 1] for <see cref="BinaryCrossEntropy"/>.</summary>
    public static Tensor Labels(IEnumerable<int> labels, Device? device = null) =>
        tensor(labels.Select(l => (float)l).ToArray(), device: device).reshape(-1, 1);

    /// <summary>
    /// Keras's <c>validation_split</c>: the last <paramref name="fraction"/> of the rows, before any shuffling, is held
    /// out. Shuffle the data first (the kit's splits do) or the validation rows are not a fair sample.
    /// </summary>
    public static (int[] Fit, int[] Validation) KerasValidationSplit(int rows, double fraction = 0.2)
    {
        if (!(fraction is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"fraction must be in (0, 1), got {fraction}.");
        int split = (int)(rows * (1 - fraction));   // Keras: int(n * (1 - validation_split))
        return (Enumerable.Range(0, split).ToArray(), Enumerable.Range(split, rows - split).ToArray());
    }

    /// <summary>Mean of x over the positions where <paramref name="mask"/> is 1 ([batch, length, 1]); all-padding rows give 0.</summary>
    internal static Tensor MaskedMean(Tensor x, Tensor mask) => (x * mask).sum(1) / mask.sum(1).clamp_min(Held.One);
}

/// <summary>Embedding bag: the average of the message's word vectors, then a linear classifier.</summary>
public sealed class EmbeddingBagClassifier : Module<Tensor, Tensor>
{
    readonly Embedding embedding;
    readonly Dropout dropout;
    readonly Linear output;

    public EmbeddingBagClassifier(int vocabulary, int dimensions, double dropout) : base(nameof(EmbeddingBagClassifier))
    {
        embedding = Embedding(vocabulary, dimensions, padding_idx: Vocabulary.PadId);
        this.dropout = Dropout(dropout);
        output = Linear(dimensions, 1);
        RegisterComponents();
    }

    internal Embedding Embedding => embedding;
    internal Linear Output => output;
    /// <summary>Length of each word vector.</summary>
    public long Dimensions => embedding.weight!.shape[1];

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var mask = ids.ne(Held.Of(Vocabulary.PadId)).unsqueeze(-1).to_type(ScalarType.Float32);
        return output.call(dropout.call(TextModels.MaskedMean(embedding.call(ids), mask))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A small Transformer encoder written out in full: token and learned position embeddings, then pre-norm layers of
/// multi-head self-attention (padding keys masked) and a ReLU feed-forward block, a final layer norm, the mean over
/// real tokens and a linear output.
/// </summary>
public sealed class TransformerClassifier : Module<Tensor, Tensor>
{
    readonly Embedding tokens, positions;
    readonly ModuleList<EncoderLayer> layers;
    readonly LayerNorm norm;
    readonly Dropout dropout;
    readonly Linear output;
    public int MaxLength { get; }
    public int Dimensions { get; }
    /// <summary>Attention heads per layer.</summary>
    public int Heads { get; }
    /// <summary>Number of encoder layers.</summary>
    public int LayerCount { get; }
    internal Embedding Tokens => tokens;
    internal Embedding Positions => positions;
    internal IEnumerable<EncoderLayer> Layers => layers;
    internal LayerNorm Norm => norm;
    internal Linear Output => output;

    public TransformerClassifier(int vocabulary, int maxLength, int dimensions, int heads, int layerCount, double dropout)
        : base(nameof(TransformerClassifier))
    {
        if (dimensions % heads != 0) throw new ArgumentException($"dimensions ({dimensions}) must be divisible by heads ({heads}).");
        MaxLength = maxLength;
        Dimensions = dimensions;
        Heads = heads;
        LayerCount = layerCount;
        tokens = Embedding(vocabulary, dimensions, padding_idx: Vocabulary.PadId);
        positions = Embedding(maxLength, dimensions);
        layers = new ModuleList<EncoderLayer>(Enumerable.Range(0, layerCount).Select(_ => new EncoderLayer(dimensions, heads, dropout)).ToArray());
        norm = LayerNorm(dimensions, TextModels.LayerNormEpsilon);
        this.dropout = Dropout(dropout);
        output = Linear(dimensions, 1);
        RegisterComponents();
        using (no_grad())
        {
            init.normal_(tokens.weight, std: 0.02);
            init.normal_(positions.weight, std: 0.02);
            tokens.weight![Vocabulary.PadId].zero_();
        }
    }

    public override Tensor forward(Tensor ids)
    {
        long length = ids.shape[1];
        if (length > MaxLength) throw new ArgumentException($"Sequences have {length} positions but the model learned {MaxLength}.");
        using var scope = NewDisposeScope();
        var padding = ids.eq(Held.Of(Vocabulary.PadId));
        // Additive attention bias: a large negative number (not -inf) so an all-padding row stays finite.
        var bias = padding.to_type(ScalarType.Float32).mul(Held.Of(-1e9f)).reshape(ids.shape[0], 1, 1, length);
        using var end = length.ToScalar();
        var x = dropout.call(tokens.call(ids).Plus(positions.call(arange(end, device: ids.device).unsqueeze(0))));
        foreach (var layer in layers) x = layer.call(x, bias);
        var mask = padding.logical_not().unsqueeze(-1).to_type(ScalarType.Float32);
        return output.call(TextModels.MaskedMean(norm.call(x), mask)).MoveToOuterDisposeScope();
    }
}

/// <summary>One pre-norm encoder layer: x + attention(norm(x)), then x + feed-forward(norm(x)).</summary>
public sealed class EncoderLayer : Module<Tensor, Tensor, Tensor>
{
    readonly LayerNorm norm1, norm2;
    readonly Linear qkv, projection, hidden, back;
    readonly Dropout dropout;
    readonly int heads;
    internal int Heads => heads;
    internal LayerNorm Norm1 => norm1;
    internal LayerNorm Norm2 => norm2;
    internal Linear Qkv => qkv;
    internal Linear Projection => projection;
    internal Linear Hidden => hidden;
    internal Linear Back => back;

    public EncoderLayer(int dimensions, int heads, double dropout) : base(nameof(EncoderLayer))
    {
        this.heads = heads;
        norm1 = LayerNorm(dimensions, TextModels.LayerNormEpsilon);
        norm2 = LayerNorm(dimensions, TextModels.LayerNormEpsilon);
        qkv = Linear(dimensions, 3 * dimensions);
        projection = Linear(dimensions, dimensions);
        hidden = Linear(dimensions, 4 * dimensions);
        back = Linear(4 * dimensions, dimensions);
        this.dropout = Dropout(dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor bias)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1], d = x.shape[2], headSize = d / heads;
        var parts = qkv.call(norm1.call(x)).reshape(batch, length, 3, heads, headSize).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        using var scale = Math.Sqrt(headSize).ToScalar();
        var scores = q.matmul(k.transpose(-2, -1)).div(scale).Plus(bias);
        var context = dropout.call(scores.softmax(-1)).matmul(v).transpose(1, 2).reshape(batch, length, d);
        x = x.Plus(dropout.call(projection.call(context)));
        x = x.Plus(dropout.call(back.call(functional.relu(hidden.call(norm2.call(x))))));
        return x.MoveToOuterDisposeScope();
    }
}
