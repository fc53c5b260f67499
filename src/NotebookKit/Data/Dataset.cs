using Microsoft.Data.Analysis;
using NotebookKit.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Data;

public enum TaskKind { Classification, Regression }

/// <summary>
/// A tabular data set: features as a float32 tensor [n, d] and labels as int64 class indices (classification)
/// or float32 targets (regression), with names and a DataFrame view. Tensors live on the CPU until moved.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class Dataset : IRichDisplay
{
    public string Name { get; }
    public TaskKind Task { get; }
    /// <summary>Features, float32 [n, d].</summary>
    public Tensor Features { get; }
    /// <summary>Labels: int64 [n] class indices, or float32 [n] targets.</summary>
    public Tensor Labels { get; }
    public IReadOnlyList<string> FeatureNames { get; }
    /// <summary>Class names by index; empty for regression.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public long Count => Features.shape[0];
    public int FeatureCount => (int)Features.shape[1];

    public Dataset(string name, TaskKind task, Tensor features, Tensor labels, IReadOnlyList<string> featureNames, IReadOnlyList<string>? classNames = null)
    {
        if (features.dim() != 2) throw new ArgumentException($"Features must be 2-D [n, d], got shape [{string.Join(", ", features.shape)}].", nameof(features));
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException($"Labels must be 1-D with {features.shape[0]} entries, got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (featureNames.Count != features.shape[1])
            throw new ArgumentException($"{featureNames.Count} feature names for {features.shape[1]} features.", nameof(featureNames));
        Name = name; Task = task; Features = features; Labels = labels; FeatureNames = featureNames; ClassNames = classNames ?? [];
    }

    /// <summary>Features as a float array per row.</summary>
    public float[][] FeatureRows()
    {
        var flat = Features.cpu().contiguous().data<float>().ToArray();
        int d = FeatureCount;
        return Enumerable.Range(0, (int)Count).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>Class indices as ints (classification only).</summary>
    public int[] LabelArray()
    {
        if (Task != TaskKind.Classification) throw new InvalidOperationException($"{Name} is a regression data set; use TargetArray().");
        return Labels.cpu().data<long>().Select(v => (int)v).ToArray();
    }

    /// <summary>Targets as doubles (regression), or class indices as doubles.</summary>
    public double[] TargetArray() =>
        Labels.dtype == ScalarType.Int64 ? Labels.cpu().data<long>().Select(v => (double)v).ToArray()
        : Labels.cpu().to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>A DataFrame with one column per feature and a last column "target" (class name for classification).</summary>
    public DataFrame ToDataFrame()
    {
        var rows = FeatureRows();
        var columns = new List<DataFrameColumn>();
        for (int j = 0; j < FeatureCount; j++)
            columns.Add(new SingleDataFrameColumn(FeatureNames[j], rows.Select(r => r[j])));
        if (Task == TaskKind.Classification)
            columns.Add(new StringDataFrameColumn("target", LabelArray().Select(c => ClassNames.Count > c ? ClassNames[c] : c.ToString())));
        else
            columns.Add(new DoubleDataFrameColumn("target", TargetArray()));
        return new DataFrame(columns);
    }

    /// <summary>Class counts by name (classification only).</summary>
    public IReadOnlyDictionary<string, int> ClassCounts() =>
        LabelArray().GroupBy(c => c).OrderBy(g => g.Key).ToDictionary(g => ClassNames.Count > g.Key ? ClassNames[g.Key] : g.Key.ToString(), g => g.Count());

    string Summary() => Task == TaskKind.Classification
        ? $"{Name}: {Count} samples x {FeatureCount} features, classes " + string.Join(", ", ClassCounts().Select(kv => $"{kv.Key} ({kv.Value})"))
        : $"{Name}: {Count} samples x {FeatureCount} features, regression target";

    public string ToHtml() => $"<p>{System.Net.WebUtility.HtmlEncode(Summary())}</p>" + Formatters.DataFrameHtml(ToDataFrame());
    public string ToPlainText() => Summary();
    public override string ToString() => Summary();
}

/// <summary>Labelled raw texts (SMS spam).</summary>
public sealed record TextDataset(string Name, IReadOnlyList<string> Texts, int[] Labels, IReadOnlyList<string> ClassNames);
