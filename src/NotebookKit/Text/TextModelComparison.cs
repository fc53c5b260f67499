using NotebookKit.Compression;
using NotebookKit.Display;
using NotebookKit.Metrics;
using static TorchSharp.torch;

namespace NotebookKit.Text;

/// <summary>One text model, measured by <see cref="TextModelComparison"/>.</summary>
public sealed record TextModelMeasure(string Name, long StoredValues, long TorchBytes, long OnnxBytes, double TorchMs, double OnnxMs,
    double AveragePrecision, double Accuracy);

/// <summary>
/// The compression table of 10-text-classification-case-study: for each token-id model, the values it stores, its
/// size saved by TorchSharp and as ONNX, the median latency of one message in TorchSharp and in ONNX Runtime, and
/// AP and accuracy at 0.5 on the messages given (validation: the table is for choosing what to deploy).
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class TextModelComparison : IRichDisplay
{
    readonly Tensor ids;
    readonly int[] labels;
    readonly int repeats;
    public List<TextModelMeasure> Rows { get; } = [];

    /// <param name="ids">Token ids [messages, length] to score (and whose first row is timed).</param>
    /// <param name="labels">0/1 labels of those messages.</param>
    public TextModelComparison(Tensor ids, int[] labels, int repeats = 50)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(labels);
        if (ids.dim() != 2 || ids.shape[0] != labels.Length)
            throw new ArgumentException($"ids [{string.Join(", ", ids.shape)}] must be [messages, length] with one row per label ({labels.Length}).");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "Repeats must be at least 1.");
        (this.ids, this.labels, this.repeats) = (ids, labels, repeats);
    }

    /// <summary>Measures <paramref name="model"/> (exported with <see cref="TextOnnxExport"/>) and adds a row.</summary>
    public TextModelMeasure Add(string name, nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bytes = TextOnnxExport.ToBytes(model, (int)ids.shape[1], name);
        using var onnx = new OnnxTextModel(bytes);
        using var one = ids.narrow(0, 0, 1);
        double onnxMs = CompressionMeasure.MedianMs(() => onnx.Logits(one), repeats);
        var p = TextModels.Probabilities(model, ids);
        long stored = model.parameters().Sum(t => t.numel()) + model.buffers().Sum(t => t.numel());
        var row = new TextModelMeasure(name, stored, CompressionMeasure.SizeOnDisk(model), bytes.LongLength,
            CompressionMeasure.LatencyMs(model, one, repeats), onnxMs, Score.AveragePrecision(labels, p),
            Score.Accuracy(labels, p.Select(v => v >= 0.5 ? 1 : 0).ToArray()));
        Rows.Add(row);
        return row;
    }

    public TextModelMeasure this[string name] => Rows.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"No row named '{name}'; rows: {string.Join(", ", Rows.Select(r => r.Name))}.");

    public HtmlTable Table()
    {
        var table = new HtmlTable(["model", "stored values", "TorchSharp KiB", "ONNX KiB", "ms TorchSharp", "ms ONNX Runtime",
            "AP", "accuracy at 0.5"], $"{labels.Length} messages; median of {repeats} runs for one message");
        foreach (var r in Rows)
            table.AddRow(r.Name, r.StoredValues, Math.Round(r.TorchBytes / 1024.0, 1), Math.Round(r.OnnxBytes / 1024.0, 1),
                Math.Round(r.TorchMs, 3), Math.Round(r.OnnxMs, 3), Math.Round(r.AveragePrecision, 4), Math.Round(r.Accuracy, 4));
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}
