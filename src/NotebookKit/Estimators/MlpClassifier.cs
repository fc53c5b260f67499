using NotebookKit.Optimizers;
using NotebookKit.Setup;
using NotebookKit.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Estimators;

/// <summary>
/// A multi-layer perceptron classifier with scikit-learn's MLPClassifier parameter names where they exist
/// (introduced in 04-grid-search): ReLU hidden layers of <see cref="HiddenLayerSizes"/>, trained by
/// <see cref="Trainer"/> with Adam (PyTorch's defaults, <see cref="Optim.Adam"/>) on mini-batches, cross-entropy loss
/// plus <see cref="Alpha"/>/(2n) Σ w² over the weight matrices (scikit-learn's alpha). Fit seeds torch with
/// <see cref="RandomState"/> (default Kit.Seed), so every fold starts from the same initial weights.
/// </summary>
public sealed class MlpClassifier : Classifier
{
    Module<Tensor, Tensor>? network;

    /// <summary>Widths of the hidden layers; a grid may give one width as a plain integer.</summary>
    [HyperParameter] public int[] HiddenLayerSizes { get; set; } = [100];
    /// <summary>Adam's learning rate (scikit-learn's learning_rate_init).</summary>
    [HyperParameter] public double LearningRateInit { get; set; } = 1e-3;
    /// <summary>Epochs (scikit-learn's max_iter for the adam solver).</summary>
    [HyperParameter] public int MaxIter { get; set; } = 200;
    [HyperParameter] public int BatchSize { get; set; } = 64;
    /// <summary>L2 penalty strength.</summary>
    [HyperParameter] public double Alpha { get; set; } = 1e-4;
    [HyperParameter] public int? RandomState { get; set; }

    /// <summary>The last Fit's training history (loss per epoch).</summary>
    public History? History { get; private set; }

    protected override void FitCore(Tensor x, Tensor y, int classes)
    {
        if (HiddenLayerSizes is null || HiddenLayerSizes.Length == 0 || HiddenLayerSizes.Any(h => h < 1))
            throw new ArgumentException("HiddenLayerSizes needs at least one positive width.", nameof(HiddenLayerSizes));
        if (!(LearningRateInit > 0) || MaxIter < 1 || BatchSize < 1 || !(Alpha >= 0))
            throw new ArgumentOutOfRangeException(nameof(LearningRateInit), "LearningRateInit must be positive, MaxIter and BatchSize at least 1, Alpha non-negative.");
        int seed = RandomState ?? Kit.Seed;
        manual_seed(seed);
        network?.Dispose();
        network = Models.Mlp((int)x.shape[1], HiddenLayerSizes, classes);   // already on Kit.Device
        using var optimizer = Optim.Adam(network.parameters(), LearningRateInit);
        History = Trainer.Fit(network, x.to_type(ScalarType.Float32), y, Losses.CrossEntropy, optimizer, new TrainOptions
        {
            Epochs = MaxIter, BatchSize = BatchSize, Seed = seed, ProgressEvery = 0, L2Penalty = Alpha / (2.0 * x.shape[0]),
        });
    }

    /// <summary>
    /// Hidden ReLU units of the first layer that output 0 for every row of <paramref name="x"/>: "dead" units pass no
    /// signal and get no gradient, so they never recover. A network whose units are all dead predicts a constant.
    /// </summary>
    public int DeadUnits(Tensor x)
    {
        if (network is null) throw new InvalidOperationException("Call Fit first.");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var first = network.children().First();        // linear0: its ReLU output is 0 exactly when the input is <= 0
        var hidden = ((Module<Tensor, Tensor>)first).call(Transform(x).to_type(ScalarType.Float32));
        return (int)hidden.gt(0).any(0).logical_not().sum().item<long>();
    }

    protected override Tensor ProbaCore(Tensor x) =>
        Trainer.Predict(network!, x.to_type(ScalarType.Float32)).softmax(1);

    public override void Dispose()
    {
        network?.Dispose();
        base.Dispose();
    }

    public override string ToString() => $"MlpClassifier(hidden=[{string.Join(", ", HiddenLayerSizes)}], lr={LearningRateInit})";
}
