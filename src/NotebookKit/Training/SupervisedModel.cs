using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Training;

/// <summary>
/// Something that learns from (x, y) and then predicts outputs for new rows: the unit cross-validation,
/// learning curves and searches work with. <see cref="Fit"/> starts from scratch each time it is called.
/// </summary>
public interface ISupervisedModel
{
    void Fit(Tensor x, Tensor y);
    /// <summary>Outputs for <paramref name="x"/>: class logits/scores [n, classes] or predictions [n].</summary>
    Tensor Predict(Tensor x);
}

/// <summary>
/// A TorchSharp network trained with <see cref="Trainer"/>: each <see cref="Fit"/> builds a fresh module (after
/// seeding torch with <see cref="Seed"/>, so every fold starts from the same initial weights) and a fresh optimizer.
/// </summary>
public sealed class NetworkModel(Func<Module<Tensor, Tensor>> build, Func<IEnumerable<Parameter>, optim.Optimizer> optimizer,
    Func<Tensor, Tensor, Tensor> loss, TrainOptions? options = null) : ISupervisedModel
{
    public int? Seed { get; init; }
    public Module<Tensor, Tensor>? Module { get; private set; }
    public History? History { get; private set; }

    public void Fit(Tensor x, Tensor y)
    {
        if (Seed is int s) manual_seed(s);
        Module?.Dispose();
        // On the training device before the optimizer exists: moving a module later would replace its parameters.
        Module = build().to(options?.Device ?? Kit.Device);
        using var opt = optimizer(Module.parameters());
        History = Trainer.Fit(Module, x, y, loss, opt, options ?? new TrainOptions { ProgressEvery = 0 });
    }

    public Tensor Predict(Tensor x) =>
        Module is null ? throw new InvalidOperationException("Call Fit before Predict.") : Trainer.Predict(Module, x);
}

/// <summary>An <see cref="ISupervisedModel"/> from two delegates, for closed-form or non-network models.</summary>
public sealed class DelegateModel(Action<Tensor, Tensor> fit, Func<Tensor, Tensor> predict) : ISupervisedModel
{
    public void Fit(Tensor x, Tensor y) => fit(x, y);
    public Tensor Predict(Tensor x) => predict(x);
}

/// <summary>
/// Scores of (model outputs, true labels) for cross-validation and searches; higher is better, as scikit-learn's
/// scorers. They turn outputs into predictions and delegate to <see cref="NotebookKit.Metrics.Score"/>.
/// </summary>
public static class Scorers
{
    /// <summary>Fraction of rows whose predicted class equals the label: arg-max of [n, C] outputs, or [n] outputs rounded.</summary>
    public static double Accuracy(Tensor outputs, Tensor labels)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, labels);
        return NotebookKit.Metrics.Score.Accuracy(labels.to_type(ScalarType.Int64), PredictedClasses(outputs));
    }

    /// <summary>Mean of per-class recall; chance level is 1 / classes even on imbalanced data.</summary>
    public static double BalancedAccuracy(Tensor outputs, Tensor labels)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, labels);
        return NotebookKit.Metrics.Score.BalancedAccuracy(labels.to_type(ScalarType.Int64), PredictedClasses(outputs));
    }

    /// <summary>-(1/n) Σ (y - ŷ)²: negated so that higher is better.</summary>
    public static double NegMeanSquaredError(Tensor outputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, targets);
        return -NotebookKit.Metrics.Score.MeanSquaredError(targets.reshape(-1), outputs.reshape(-1));
    }

    /// <summary>R² = 1 - Σ (y - ŷ)² / Σ (y - ȳ)².</summary>
    public static double R2(Tensor outputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, targets);
        return NotebookKit.Metrics.Score.R2(targets.reshape(-1), outputs.reshape(-1));
    }

    /// <summary>
    /// Arg-max of [n, C] outputs with C ≥ 2. One score per row ([n] or [n, 1]) is read as P(class 1) and thresholded
    /// at 0.5; scores outside [0, 1] are logits, and guessing would give a silent wrong accuracy, so they are refused.
    /// </summary>
    static Tensor PredictedClasses(Tensor outputs)
    {
        if (outputs.dim() == 2 && outputs.shape[1] > 1) return outputs.argmax(1);
        if (outputs.dim() > 2 || outputs.dim() == 0)
            throw new ArgumentException($"outputs have shape [{string.Join(", ", outputs.shape)}]; expected [n, classes] or one score per row.", nameof(outputs));
        var scores = outputs.reshape(-1);
        if (!scores.is_floating_point()) return scores.to_type(ScalarType.Int64);
        double min = scores.min().to_type(ScalarType.Float64).item<double>(), max = scores.max().to_type(ScalarType.Float64).item<double>();
        if (!(min >= 0 && max <= 1))
            throw new ArgumentException($"outputs have one score per row ranging {min:g4} to {max:g4}: these look like logits, not " +
                "probabilities. Apply sigmoid first (one column is read as P(class 1), thresholded at 0.5).", nameof(outputs));
        return scores.ge(0.5).to_type(ScalarType.Int64);
    }

    static void CheckRows(Tensor outputs, Tensor labels)
    {
        if (outputs.shape[0] != labels.shape[0])
            throw new ArgumentException($"{outputs.shape[0]} outputs for {labels.shape[0]} labels.", nameof(labels));
        if (labels.shape[0] == 0) throw new ArgumentException("Cannot score zero rows.", nameof(labels));
    }
}

/// <summary>
/// Nearest-centroid classifier: learns one mean per class; outputs -‖x - μ_c‖² per class, so arg-max is the nearest
/// centroid. No training loop, so it suits demonstrations that fit hundreds of models.
/// </summary>
public sealed class NearestCentroid : ISupervisedModel
{
    Tensor? centroids;

    public void Fit(Tensor x, Tensor y)
    {
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        int classes = (int)y.max().item<long>() + 1;
        centroids?.Dispose();
        using var scope = NewDisposeScope();
        var means = stack(Enumerable.Range(0, classes).Select(c =>
        {
            var rows = x[y.eq(c)];
            return rows.shape[0] == 0 ? full(x.shape[1], double.PositiveInfinity, dtype: x.dtype, device: x.device) : rows.mean([0]);
        }).ToArray());
        centroids = means.MoveToOuterDisposeScope().DetachFromDisposeScope();
    }

    public Tensor Predict(Tensor x) =>
        centroids is null ? throw new InvalidOperationException("Call Fit before Predict.") : -cdist(x, centroids.to(x.device)).square();
}
