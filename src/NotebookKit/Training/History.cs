using NotebookKit.Display;

namespace NotebookKit.Training;

/// <summary>One epoch of training: losses, metrics, learning rate and time.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double? ValidationLoss, IReadOnlyDictionary<string, double> Metrics, double LearningRate, double Seconds);

/// <summary>The record of a training run. Renders as a loss chart plus a table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class History : IRichDisplay
{
    public List<EpochRecord> Epochs { get; } = [];
    public int? StoppedEarlyAt { get; internal set; }
    public int? BestEpoch { get; internal set; }
    /// <summary>The early-stopping monitor, if any.</summary>
    public string? Monitor { get; internal set; }
    /// <summary>True when training stopped because the loss became NaN or infinite.</summary>
    public bool Diverged { get; internal set; }
    public IReadOnlyList<double> LearningRates => Epochs.Select(e => e.LearningRate).ToArray();
    /// <summary>A metric per epoch by name (NaN where missing).</summary>
    public IReadOnlyList<double> Metric(string name) => Epochs.Select(e => e.Metrics.TryGetValue(name, out var v) ? v : double.NaN).ToArray();

    public IReadOnlyList<double> TrainLoss => Epochs.Select(e => e.TrainLoss).ToArray();
    public IReadOnlyList<double> ValidationLoss => Epochs.Where(e => e.ValidationLoss.HasValue).Select(e => e.ValidationLoss!.Value).ToArray();
    public double TotalSeconds => Epochs.Sum(e => e.Seconds);

    public Figure LossChart(string title = "Loss per epoch")
    {
        var x = Epochs.Select(e => e.Epoch).ToArray();
        var figure = new Figure(new Scatter { X = x, Y = TrainLoss, Name = "train loss", Mode = "lines+markers" })
            .WithTitle(title, "epoch", "loss");
        if (Epochs.Any(e => e.ValidationLoss.HasValue))
            figure.Add(new Scatter { X = x, Y = Epochs.Select(e => e.ValidationLoss).ToArray(), Name = "validation loss", Mode = "lines+markers" });
        return figure;
    }

    /// <summary>One metric per epoch (e.g. "accuracy"), with the best epoch marked when early stopping chose one.</summary>
    public Figure MetricChart(string name, string? title = null)
    {
        var figure = new Figure(new Scatter { X = Epochs.Select(e => e.Epoch).ToArray(), Y = Metric(name), Name = name, Mode = "lines+markers" })
            .WithTitle(title ?? $"{name} per epoch", "epoch", name);
        if (BestEpoch is int b)
            figure.Add(new Scatter { X = new[] { b }, Y = new[] { Metric(name)[b - 1] }, Name = "best epoch", Mode = "markers", Marker = new Marker { Size = 12 } });
        return figure;
    }

    /// <summary>
    /// The validation loss of several runs on one chart (introduced in 02-cross-validation-and-fitting), on a log
    /// axis zoomed to the epochs after <paramref name="skipEpochs"/> (both axes): the first epochs' high losses would
    /// otherwise set the range and flatten the differences between runs. Each run's lowest point is marked.
    /// </summary>
    public static Figure CompareValidationLoss(IEnumerable<(string Name, History History)> runs, string title = "Validation loss per epoch",
        int skipEpochs = 3)
    {
        var list = runs.ToArray();
        if (list.Length == 0 || list.Any(r => r.History.ValidationLoss.Count == 0))
            throw new ArgumentException("Every run needs a validation loss per epoch (train with ValidationX/ValidationY).", nameof(runs));
        var figure = new Figure().WithTitle(title, "epoch", "validation loss (log scale)");
        var shown = new List<double>();
        string[] palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
        foreach (var ((name, h), k) in list.Select((r, k) => (r, k)))
        {
            string color = palette[k % palette.Length];
            var epochs = h.Epochs.Where(e => e.ValidationLoss.HasValue).ToArray();
            var loss = epochs.Select(e => e.ValidationLoss!.Value).ToArray();
            shown.AddRange(loss.Skip(Math.Min(skipEpochs, loss.Length - 1)));
            figure.Add(new Scatter { X = epochs.Select(e => e.Epoch).ToArray(), Y = loss, Name = name, Line = new Line { Color = color } });
            int best = Array.IndexOf(loss, loss.Min());
            figure.Add(new Scatter
            {
                X = new[] { epochs[best].Epoch }, Y = new[] { loss[best] }, Mode = "markers", ShowLegend = false,
                Name = $"{name}: lowest", Marker = new Marker { Size = 12, Symbol = "star", Color = color },
            });
        }
        figure.Layout.XAxis!.Range = [skipEpochs + 0.5, list.Max(r => r.History.Epochs.Count) + 0.5];
        figure.Layout.YAxis!.Type = "log";
        figure.Layout.YAxis.Range = [Math.Log10(shown.Min()) - 0.05, Math.Log10(shown.Max()) + 0.05];
        return figure;
    }

    public HtmlTable Table()
    {
        var metricNames = Epochs.SelectMany(e => e.Metrics.Keys).Distinct().ToArray();
        var table = new HtmlTable(new[] { "epoch", "train loss", "val loss" }.Concat(metricNames).Concat(["lr", "seconds"]));
        foreach (var e in Epochs)
            table.AddRow(new object?[] { e.Epoch, e.TrainLoss, e.ValidationLoss }
                .Concat(metricNames.Select(m => (object?)(e.Metrics.TryGetValue(m, out var v) ? v : null)))
                .Concat([e.LearningRate, e.Seconds]).ToArray());
        return table;
    }

    public string ToHtml() => LossChart().ToHtml() + Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}
