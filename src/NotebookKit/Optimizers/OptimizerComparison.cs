using NotebookKit.Setup;
using System.Diagnostics;
using NotebookKit.Display;
using NotebookKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Optimizers;

/// <summary>An optimizer to compare: a name and a factory from (parameters, learning rate).</summary>
public sealed record OptimizerCandidate(string Name, Func<IEnumerable<Parameter>, double, IParameterOptimizer> Create)
{
    /// <summary>A torch.optim optimizer as a candidate.</summary>
    public static OptimizerCandidate Torch(string name, Func<IEnumerable<Parameter>, double, optim.Optimizer> create) =>
        new(name, (p, lr) => new TorchOptimizer(create(p, lr)));
}

/// <summary>One (optimizer, learning rate) run.</summary>
public sealed record ComparisonRun(string Optimizer, double LearningRate, History History, double? FinalMetric,
    int? EpochsToTarget, double? SecondsToTarget, bool Diverged)
{
    /// <summary>Mean training loss over the last epoch's mini-batches, measured while the weights were still moving.</summary>
    public double FinalLoss => History.TrainLoss[^1];
    /// <summary>Training loss of the final weights on all training rows (differs from FinalLoss when the last steps jump).</summary>
    public double EndTrainLoss { get; init; } = double.NaN;
    public string Label => $"{Optimizer} lr={LearningRate:g3}";
}

/// <summary>Results of <see cref="OptimizerComparison.Run"/>: a table, overlaid loss curves and learning-rate sensitivity.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ComparisonResult(IReadOnlyList<ComparisonRun> runs, double targetLoss, string? metricName) : IRichDisplay
{
    public IReadOnlyList<ComparisonRun> Runs { get; } = runs;
    public double TargetLoss { get; } = targetLoss;

    public ComparisonRun Get(string optimizer, double learningRate) =>
        Runs.FirstOrDefault(r => r.Optimizer == optimizer && Math.Abs(r.LearningRate - learningRate) <= 1e-12 * learningRate)
        ?? throw new ArgumentException($"No run for {optimizer} at lr {learningRate}.");

    /// <summary>For each optimizer, its best run (lowest final training loss among runs that did not diverge).</summary>
    public IReadOnlyList<ComparisonRun> BestPerOptimizer() =>
        Runs.GroupBy(r => r.Optimizer).Select(g => g.OrderBy(r => r.Diverged ? 1 : 0).ThenBy(r => double.IsFinite(r.FinalLoss) ? r.FinalLoss : double.MaxValue).First()).ToArray();

    public HtmlTable Table()
    {
        var columns = new List<string> { "optimizer", "lr", "last epoch's mean train loss", "train loss of final weights" };
        if (metricName is not null) columns.Add($"final {metricName}");
        columns.AddRange([$"epochs to loss {TargetLoss:g3}", "seconds to target", "diverged", "total s"]);
        var table = new HtmlTable(columns);
        foreach (var r in Runs)
        {
            var row = new List<object?> { r.Optimizer, r.LearningRate, r.FinalLoss, r.EndTrainLoss };
            if (metricName is not null) row.Add(r.FinalMetric);
            row.AddRange([r.EpochsToTarget?.ToString() ?? "never", r.SecondsToTarget, r.Diverged ? "yes" : "no", r.History.TotalSeconds]);
            table.AddRow(row.ToArray());
        }
        return table;
    }

    /// <summary>Training loss per epoch, one line per run (log scale); by default the best run of each optimizer.</summary>
    public Figure LossCurves(IEnumerable<ComparisonRun>? runs = null, string title = "Training loss per epoch")
    {
        var figure = new Figure().WithTitle(title, "epoch", "training loss");
        figure.Layout.YAxis!.Type = "log";
        foreach (var r in runs ?? BestPerOptimizer())
            figure.Add(new Scatter { X = r.History.Epochs.Select(e => e.Epoch).ToArray(), Y = r.History.TrainLoss, Name = r.Label, Mode = "lines" });
        figure.Add(new Scatter { X = new[] { 1, Runs.Max(r => r.History.Epochs.Count) }, Y = new[] { TargetLoss, TargetLoss }, Name = "target", Mode = "lines", Line = new Line { Dash = "dot", Color = "gray" } });
        return figure;
    }

    /// <summary>
    /// The training loss of each run's final weights against learning rate (log-log), one line per optimizer; diverged
    /// runs are left out. The final weights, not the last epoch's mean loss, because a few bad late steps can wreck
    /// the weights while the epoch mean still looks good.
    /// </summary>
    public Figure Sensitivity()
    {
        var figure = new Figure().WithTitle("Learning-rate sensitivity", "learning rate", "training loss of the final weights");
        figure.Layout.XAxis!.Type = "log";
        figure.Layout.YAxis!.Type = "log";
        foreach (var g in Runs.GroupBy(r => r.Optimizer))
        {
            var ok = g.Where(r => !r.Diverged && double.IsFinite(EndLoss(r))).OrderBy(r => r.LearningRate).ToArray();
            figure.Add(new Scatter { X = ok.Select(r => r.LearningRate).ToArray(), Y = ok.Select(EndLoss).ToArray(), Name = g.Key, Mode = "lines+markers" });
        }
        return figure;
        static double EndLoss(ComparisonRun r) => double.IsNaN(r.EndTrainLoss) ? r.FinalLoss : r.EndTrainLoss;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}

/// <summary>
/// Trains the same model (same seed, so the same initial weights and batch order) with each optimizer at each
/// learning rate, recording loss curves, a final metric, the first epoch and time at which the training loss reaches
/// <c>targetLoss</c>, and divergence (a non-finite loss, or one above 10x the first epoch's).
/// </summary>
public static class OptimizerComparison
{
    public static ComparisonResult Run(Func<nn.Module<Tensor, Tensor>> buildModel, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        IEnumerable<OptimizerCandidate> candidates, double[] learningRates, int epochs, int batchSize, double targetLoss,
        Tensor? validationX = null, Tensor? validationY = null, string? metricName = null, Func<Tensor, Tensor, double>? metric = null, int seed = 0)
    {
        if (learningRates.Length == 0 || learningRates.Any(lr => !(lr > 0))) throw new ArgumentException("Give positive learning rates.", nameof(learningRates));
        if ((metricName is null) != (metric is null)) throw new ArgumentException("Give both metricName and metric, or neither.", nameof(metric));
        var runs = new List<ComparisonRun>();
        foreach (var candidate in candidates)
            foreach (var lr in learningRates)
            {
                manual_seed(seed);
                using var model = buildModel();
                model.to(Kit.Device); // before the optimizer: moving a module replaces its parameters
                var optimizer = candidate.Create(model.parameters(), lr);
                var history = Trainer.Fit(model, x, y, loss, optimizer, new TrainOptions
                {
                    Epochs = epochs, BatchSize = batchSize, Seed = seed, ProgressEvery = 0,
                    ValidationX = validationX, ValidationY = validationY,
                });
                (optimizer as IDisposable)?.Dispose();
                var losses = history.TrainLoss;
                bool diverged = history.Diverged || losses.Any(l => !double.IsFinite(l)) || losses[^1] > 10 * losses[0];
                int reached = Enumerable.Range(0, losses.Count).FirstOrDefault(i => losses[i] <= targetLoss, -1);
                double? final = null;
                if (metric is not null)
                {
                    using var scope = NewDisposeScope();
                    final = metric(Trainer.Predict(model, validationX ?? x), validationY ?? y);
                }
                runs.Add(new ComparisonRun(candidate.Name, lr, history, final,
                    reached < 0 ? null : reached + 1, reached < 0 ? null : history.Epochs.Take(reached + 1).Sum(e => e.Seconds), diverged)
                    { EndTrainLoss = Trainer.Evaluate(model, x, y, loss) });
            }
        return new ComparisonResult(runs, targetLoss, metricName);
    }
}

/// <summary>One learning-rate schedule's run in <see cref="ScheduleComparison"/>.</summary>
public sealed record ScheduleRun(string Name, History History, double ValidationAccuracy);

/// <summary>Runs of one model and optimizer under several schedules: learning rate and validation loss per epoch, and a table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ScheduleComparison(IReadOnlyList<ScheduleRun> runs) : IRichDisplay
{
    public IReadOnlyList<ScheduleRun> Runs { get; } = runs;

    public ScheduleRun this[string name] => Runs.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"No schedule named '{name}'.");

    /// <summary>
    /// Trains a fresh model (same seed, so the same initial weights and batches) with each schedule; null means a
    /// constant rate. Validation loss and accuracy come from (validationX, validationY).
    /// </summary>
    public static ScheduleComparison Run(Func<nn.Module<Tensor, Tensor>> buildModel, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        Func<IEnumerable<Parameter>, IParameterOptimizer> optimizer, IEnumerable<(string Name, Training.ILearningRateSchedule? Schedule)> schedules,
        int epochs, int batchSize, Tensor validationX, Tensor validationY, int seed = 0)
    {
        var runs = new List<ScheduleRun>();
        foreach (var (name, schedule) in schedules)
        {
            manual_seed(seed);
            using var model = buildModel();
            model.to(Kit.Device); // before the optimizer: moving a module replaces its parameters
            var opt = optimizer(model.parameters());
            var history = Trainer.Fit(model, x, y, loss, opt, new TrainOptions
            {
                Epochs = epochs, BatchSize = batchSize, ProgressEvery = 0, Seed = seed,
                ValidationX = validationX, ValidationY = validationY, Schedule = schedule,
            });
            (opt as IDisposable)?.Dispose();
            runs.Add(new ScheduleRun(name, history, Trainer.Accuracy(model, validationX, validationY)));
        }
        return new ScheduleComparison(runs);
    }

    /// <summary>Learning rate per epoch on a log axis (schedules span decades).</summary>
    public Figure LearningRates()
    {
        var figure = new Figure().WithTitle("Learning rate per epoch", "epoch", "learning rate (log scale)");
        figure.Layout.YAxis!.Type = "log";
        foreach (var r in Runs) figure.Add(new Scatter { X = Epochs(r), Y = r.History.LearningRates, Name = r.Name, Mode = "lines+markers" });
        return figure;
    }

    public Figure ValidationLoss()
    {
        var figure = new Figure().WithTitle("Validation loss per epoch", "epoch", "validation loss");
        foreach (var r in Runs) figure.Add(new Scatter { X = Epochs(r), Y = r.History.ValidationLoss, Name = r.Name, Mode = "lines+markers" });
        return figure;
    }

    public HtmlTable Table()
    {
        var table = new HtmlTable(["schedule", "last learning rate", "final validation loss", "best validation loss", "validation accuracy"]);
        foreach (var r in Runs)
            table.AddRow(r.Name, r.History.LearningRates[^1], r.History.ValidationLoss[^1], r.History.ValidationLoss.Min(), r.ValidationAccuracy);
        return table;
    }

    static int[] Epochs(ScheduleRun r) => r.History.Epochs.Select(e => e.Epoch).ToArray();

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}
