using NotebookKit.Display;
using NotebookKit.Metrics;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Compression;

/// <summary>One model variant, measured.</summary>
public sealed record CompressionRow(string Name, long Parameters, long NonZeroParameters, long Bytes, long GzipBytes,
    double Accuracy, double MacroF1, double LatencyPerSampleMs, double LatencyPerBatchMs, int BatchSize);

/// <summary>
/// The compression comparison (07-model-compression): for the baseline and each compressed variant, parameters,
/// non-zero parameters, size on disk (raw and gzipped), accuracy, macro F1, and latency per sample (batch of one) and
/// per batch, measured on the model's device. Renders as a table; ratios are against the first row.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class CompressionReport : IRichDisplay
{
    public List<CompressionRow> Rows { get; } = [];
    public int BatchSize { get; }
    public int Repeats { get; }

    public CompressionReport(int batchSize = 256, int repeats = 30)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "Batch size must be at least 1.");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "Repeats must be at least 1.");
        BatchSize = batchSize;
        Repeats = repeats;
    }

    /// <summary>Measures <paramref name="model"/> on the test set (x, labels y) and adds a row.</summary>
    public CompressionRow Add(string name, nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        if (x.shape[0] == 0) throw new ArgumentException("The test set is empty.", nameof(x));
        int[] predicted, truth = y.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
        using (var scope = NewDisposeScope())
            predicted = Trainer.Predict(model, x).argmax(1).to_type(ScalarType.Int32).cpu().data<int>().ToArray();
        var batch = x.narrow(0, 0, Math.Min(BatchSize, x.shape[0]));
        var row = new CompressionRow(name, CompressionMeasure.Parameters(model), CompressionMeasure.NonZeroParameters(model),
            CompressionMeasure.SizeOnDisk(model), CompressionMeasure.GzipSizeOnDisk(model),
            Score.Accuracy(truth, predicted), Score.F1(truth, predicted, Average.Macro),
            CompressionMeasure.LatencyMs(model, x.narrow(0, 0, 1), Repeats), CompressionMeasure.LatencyMs(model, batch, Repeats), (int)batch.shape[0]);
        Rows.Add(row);
        return row;
    }

    public CompressionRow this[string name] => Rows.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"No row named '{name}'; rows: {string.Join(", ", Rows.Select(r => r.Name))}.");

    public HtmlTable Table()
    {
        var table = new HtmlTable(["model", "parameters", "non-zero", "size (KB)", "gzip (KB)", "smaller by", "accuracy", "macro F1",
            "ms / sample", $"ms / batch", "speed-up (batch)"], $"Test-set accuracy; median latency on the model's device over {Repeats} runs, batch of {BatchSize}");
        var first = Rows.FirstOrDefault();
        foreach (var r in Rows)
            table.AddRow(r.Name, r.Parameters, r.NonZeroParameters, Math.Round(r.Bytes / 1024.0, 1), Math.Round(r.GzipBytes / 1024.0, 1),
                $"{(double)first!.Bytes / r.Bytes:0.0}x", r.Accuracy, r.MacroF1, r.LatencyPerSampleMs, r.LatencyPerBatchMs,
                $"{first.LatencyPerBatchMs / r.LatencyPerBatchMs:0.00}x");
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}
