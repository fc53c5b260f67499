using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Tuning;

/// <summary>
/// Connects the <see cref="Trainer"/> to a trial's pruner: trains one epoch at a time, scores the validation rows
/// after each, reports the score as the epoch's intermediate value and throws <see cref="TrialPrunedException"/>
/// when the pruner says so. Introduced in 05-random-search.
/// </summary>
public static class TrialTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> for up to <paramref name="epochs"/> epochs, reporting
    /// <paramref name="score"/>(model, validationX, validationY) after each; returns the last score.
    /// Epoch e shuffles with seed + e, so the run is reproducible and each epoch sees a new order.
    /// </summary>
    public static double FitWithPruning(Trial trial, Module<Tensor, Tensor> model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        optim.Optimizer optimizer, int epochs, Tensor validationX, Tensor validationY,
        Func<Module<Tensor, Tensor>, Tensor, Tensor, double> score, int batchSize = 32, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), "epochs must be at least 1.");
        double last = double.NaN;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            Trainer.Fit(model, x, y, loss, optimizer, new TrainOptions { Epochs = 1, BatchSize = batchSize, Seed = seed + epoch, ProgressEvery = 0 });
            last = score(model, validationX, validationY);
            trial.Report(last, epoch);
            if (trial.ShouldPrune()) throw new TrialPrunedException($"Trial {trial.Number} pruned at epoch {epoch} (score {last:G4}).");
        }
        return last;
    }
}
