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
