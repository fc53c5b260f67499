using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Training;

/// <summary>
/// Small model builders used across the notebooks. Each returns a Sequential the kit can export, already on
/// <see cref="Kit.Device"/>: create the optimizer after the model is where it trains, because moving a TorchSharp
/// module replaces its parameters and an optimizer made before would keep updating the old ones.
/// </summary>
public static class Models
{
    /// <summary>Multinomial logistic regression: one Linear layer producing class logits (use with cross-entropy).</summary>
    public static Module<Tensor, Tensor> LogisticRegression(int inputs, int classes) =>
        Sequential(("linear", Linear(inputs, classes))).to(Kit.Device);

    /// <summary>Linear regression: one Linear layer with a single output.</summary>
    public static Module<Tensor, Tensor> LinearRegression(int inputs) =>
        Sequential(("linear", Linear(inputs, 1)), ("flatten", Flatten(0))).to(Kit.Device);

    /// <summary>A multi-layer perceptron: Linear, optional BatchNorm, activation, optional Dropout per hidden layer.</summary>
    public static Module<Tensor, Tensor> Mlp(int inputs, int[] hidden, int outputs, string activation = "relu", double dropout = 0, bool batchNorm = false)
    {
        if (inputs < 1 || outputs < 1 || hidden.Any(h => h < 1))
            throw new ArgumentException("Layer sizes must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), "Dropout must be in [0, 1).");
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int width = inputs;
        for (int i = 0; i < hidden.Length; i++)
        {
            layers.Add(($"linear{i}", Linear(width, hidden[i])));
            if (batchNorm) layers.Add(($"batchnorm{i}", BatchNorm1d(hidden[i])));
            layers.Add(($"{activation}{i}", Activation(activation)));
            if (dropout > 0) layers.Add(($"dropout{i}", Dropout(dropout)));
            width = hidden[i];
        }
        layers.Add(("output", Linear(width, outputs)));
        return Sequential(layers).to(Kit.Device);
    }

    /// <summary>
    /// A small CNN for 8x8 digit images given as flat rows [n, 64] (as the digits data set holds them): conv 3x3 (channels) + ReLU +
    /// 2x2 max-pool to 4x4, conv 3x3 (2 x channels) + ReLU + pool to 2x2, then a hidden layer and class logits.
    /// </summary>
    public static Module<Tensor, Tensor> DigitsCnn(int classes = 10, int channels = 16, int hidden = 64, double dropout = 0)
    {
        if (classes < 2 || channels < 1 || hidden < 1) throw new ArgumentException("classes must be at least 2 and channels, hidden positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), "Dropout must be in [0, 1).");
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("image", Unflatten(1, [1, 8, 8])),
            ("conv1", Conv2d(1, channels, 3, padding: 1)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),
            ("conv2", Conv2d(channels, 2 * channels, 3, padding: 1)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),
            ("flatten", Flatten()),
            ("hidden", Linear(2 * channels * 4, hidden)), ("relu3", ReLU()),
        };
        if (dropout > 0) layers.Add(("dropout", Dropout(dropout)));
        layers.Add(("output", Linear(hidden, classes)));
        return Sequential(layers).to(Kit.Device);
    }

    public static Module<Tensor, Tensor> Activation(string name) => name.ToLowerInvariant() switch
    {
        "relu" => ReLU(),
        "tanh" => Tanh(),
        "sigmoid" => Sigmoid(),
        "gelu" => GELU(),
        _ => throw new ArgumentException($"Unknown activation '{name}'; use relu, tanh, sigmoid or gelu.", nameof(name)),
    };
}
