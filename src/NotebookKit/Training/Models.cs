using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Training;

/// <summary>Small model builders used across the notebooks. Each returns a Sequential the kit can export.</summary>
public static class Models
{
    /// <summary>Multinomial logistic regression: one Linear layer producing class logits (use with cross-entropy).</summary>
    public static Module<Tensor, Tensor> LogisticRegression(int inputs, int classes) =>
        Sequential(("linear", Linear(inputs, classes)));

    /// <summary>Linear regression: one Linear layer with a single output.</summary>
    public static Module<Tensor, Tensor> LinearRegression(int inputs) =>
        Sequential(("linear", Linear(inputs, 1)), ("flatten", Flatten(0)));

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
        return Sequential(layers);
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
