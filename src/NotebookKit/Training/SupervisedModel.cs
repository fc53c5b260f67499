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
        Module = build();
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

/// <summary>Scores of (model outputs, true labels); higher is better, as scikit-learn's scorers.</summary>
public static class Scorers
{
    /// <summary>Fraction of rows whose predicted class equals the label: arg-max of [n, C] outputs, or [n] outputs rounded.</summary>
    public static double Accuracy(Tensor outputs, Tensor labels)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, labels);
        var predicted = outputs.dim() == 2 ? outputs.argmax(1) : outputs.round().to_type(ScalarType.Int64);
        return predicted.eq(labels.to(predicted.device).to_type(ScalarType.Int64)).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Mean of per-class recall; chance level is 1 / classes even on imbalanced data.</summary>
    public static double BalancedAccuracy(Tensor outputs, Tensor labels)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, labels);
        var predicted = (outputs.dim() == 2 ? outputs.argmax(1) : outputs.round().to_type(ScalarType.Int64)).cpu().data<long>().ToArray();
        var truth = labels.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        return truth.Distinct().Average(c =>
        {
            var rows = Enumerable.Range(0, truth.Length).Where(i => truth[i] == c).ToArray();
            return rows.Count(i => predicted[i] == c) / (double)rows.Length;
        });
    }

    /// <summary>-(1/n) Σ (y - ŷ)²: negated so that higher is better.</summary>
    public static double NegMeanSquaredError(Tensor outputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, targets);
        var p = outputs.reshape(-1).to_type(ScalarType.Float64);
        return -(p - targets.to(p.device).to_type(ScalarType.Float64)).square().mean().item<double>();
    }

    /// <summary>R² = 1 - Σ (y - ŷ)² / Σ (y - ȳ)².</summary>
    public static double R2(Tensor outputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        CheckRows(outputs, targets);
        var p = outputs.reshape(-1).to_type(ScalarType.Float64);
        var t = targets.to(p.device).to_type(ScalarType.Float64);
        return 1 - (t - p).square().sum().item<double>() / (t - t.mean()).square().sum().item<double>();
    }

    static void CheckRows(Tensor outputs, Tensor labels)
    {
        if (outputs.shape[0] != labels.shape[0])
            throw new ArgumentException($"{outputs.shape[0]} outputs for {labels.shape[0]} labels.", nameof(labels));
        if (labels.shape[0] == 0) throw new ArgumentException("Cannot score zero rows.", nameof(labels));
    }
}
