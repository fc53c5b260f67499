using NotebookKit.Display;
using NotebookKit.Metrics;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Compression;

/// <summary>
/// One model variant, measured. The latencies stay NaN until <see cref="CompressionReport.TimeLatency"/> times every
/// variant of the report together.
/// </summary>
public sealed record CompressionRow(string Name, long Parameters, long NonZeroParameters, long Bytes, long GzipBytes,
    double Accuracy, double MacroF1, int BatchSize)
{
    /// <summary>Median milliseconds of one forward pass on one sample (NaN until timed).</summary>
    public double LatencyPerSampleMs { get; internal set; } = double.NaN;

    /// <summary>Median milliseconds of one forward pass on a batch of <see cref="BatchSize"/> (NaN until timed).</summary>
    public double LatencyPerBatchMs { get; internal set; } = double.NaN;
}

/// <summary>
/// The compression comparison (07-model-compression): for the baseline and each compressed variant, parameters,
/// non-zero parameters, size on disk (raw and gzipped), accuracy, macro F1, and latency per sample (batch of one) and
/// per batch, measured on the model's device. Renders as a table; ratios are against the first row.
/// Latency is timed by <see cref="TimeLatency"/>, for all variants at once and interleaved, never one after the other:
/// the first model timed would otherwise carry the warm-up, and a busy spell of the machine would fall on one variant.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class CompressionReport : IRichDisplay
{
    readonly List<(nn.Module<Tensor, Tensor> Model, Tensor Sample, Tensor Batch)> timed = [];

    readonly List<CompressionRow> rows = [];

    public IReadOnlyList<CompressionRow> Rows => rows;
    public int BatchSize { get; }
    public int Repeats { get; }

    /// <summary>
    /// What the latencies count: the thread's CPU time for models on the CPU where it can be read (Linux), so a busy
    /// machine does not distort them; wall-clock time otherwise (a GPU works apart from the calling thread).
    /// </summary>
    public TimingClock Clock { get; private set; } = TimingClock.Wall;

    /// <summary>Rounds of interleaved timing behind the latencies shown (0 until <see cref="TimeLatency"/> runs).</summary>
    public int TimedRounds { get; private set; }

    public CompressionReport(int batchSize = 256, int repeats = 30)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "Batch size must be at least 1.");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "Repeats must be at least 1.");
        BatchSize = batchSize;
        Repeats = repeats;
    }

    /// <summary>
    /// Measures <paramref name="model"/> on the test set (x, labels y) and adds a row; its latency is timed with the
    /// others by <see cref="TimeLatency"/>. The report keeps the model and its first rows to time them.
    /// </summary>
    public CompressionRow Add(string name, nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        if (x.shape[0] == 0) throw new ArgumentException("The test set is empty.", nameof(x));
        if (rows.Any(r => r.Name == name)) throw new ArgumentException($"The report already has a row named '{name}'.", nameof(name));
        int[] predicted, truth = y.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
        using (var scope = NewDisposeScope())
            predicted = Trainer.Predict(model, x).argmax(1).to_type(ScalarType.Int32).cpu().data<int>().ToArray();
        var batch = x.narrow(0, 0, Math.Min(BatchSize, x.shape[0])).clone().DetachFromDisposeScope();
        timed.Add((model, x.narrow(0, 0, 1).clone().DetachFromDisposeScope(), batch));
        var row = new CompressionRow(name, CompressionMeasure.Parameters(model), CompressionMeasure.NonZeroParameters(model),
            CompressionMeasure.SizeOnDisk(model), CompressionMeasure.GzipSizeOnDisk(model),
            Score.Accuracy(truth, predicted), Score.F1(truth, predicted, Average.Macro), (int)batch.shape[0]);
        rows.Add(row);
        return row;
    }

    /// <summary>
    /// Times every row's latency again, all together: after a warm-up of every pass, <see cref="Repeats"/> rounds each
    /// run every model once on one sample and once on a batch, in a rotating order
    /// (<see cref="CompressionMeasure.InterleavedMedianMs"/>); each latency is the median over the rounds.
    /// </summary>
    public CompressionReport TimeLatency(int warmup = 5)
    {
        var wasTraining = timed.Select(t => t.Model.training).ToArray();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope(); // frees the device copies
            var runs = new List<Action>();
            foreach (var (model, sample, batch) in timed)
            {
                model.eval();
                runs.Add(CompressionMeasure.ForwardPass(model, sample));
                runs.Add(CompressionMeasure.ForwardPass(model, batch));
            }
            Clock = TimingClocks.Best(timed.All(t => Trainer.DeviceOf(t.Model).type == DeviceType.CPU));
            var ms = CompressionMeasure.InterleavedMedianMs(runs, Repeats, warmup, Clock);
            for (int i = 0; i < rows.Count; i++)
                (rows[i].LatencyPerSampleMs, rows[i].LatencyPerBatchMs) = (ms[2 * i], ms[2 * i + 1]);
            TimedRounds = Repeats;
        }
        finally
        {
            for (int i = 0; i < timed.Count; i++)
                if (wasTraining[i]) timed[i].Model.train();
        }
        return this;
    }

    public CompressionRow this[string name] => rows.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"No row named '{name}'; rows: {string.Join(", ", rows.Select(r => r.Name))}.");

    public HtmlTable Table()
    {
        var caption = TimedRounds == 0
            ? "Test-set accuracy; latency not timed yet (TimeLatency times every model together)"
            : $"Test-set accuracy; latency on the model's device ({ClockName}), median of {TimedRounds} rounds that "
              + $"time every model in turn, batch of {BatchSize}";
        var table = new HtmlTable(["model", "parameters", "non-zero", "size (KB)", "gzip (KB)", "smaller by", "accuracy", "macro F1",
            "ms / sample", "ms / batch", "speed-up (batch)"], caption);
        var first = rows.FirstOrDefault();
        object Ms(double v) => double.IsNaN(v) ? "–" : v;
        foreach (var r in rows)
            table.AddRow(r.Name, r.Parameters, r.NonZeroParameters, Math.Round(r.Bytes / 1024.0, 1), Math.Round(r.GzipBytes / 1024.0, 1),
                $"{(double)first!.Bytes / r.Bytes:0.0}x", r.Accuracy, r.MacroF1, Ms(r.LatencyPerSampleMs), Ms(r.LatencyPerBatchMs),
                double.IsNaN(r.LatencyPerBatchMs) ? "–" : $"{first.LatencyPerBatchMs / r.LatencyPerBatchMs:0.00}x");
        return table;
    }

    string ClockName => Clock == TimingClock.ThreadCpu ? "CPU time of the thread, one intra-op thread" : "wall-clock";

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}
