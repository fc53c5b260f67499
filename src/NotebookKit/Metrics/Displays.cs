using System.Globalization;
using System.Net;
using System.Text;
using NotebookKit.Display;

namespace NotebookKit.Metrics;

static class Fmt
{
    public static string N(double v) => HtmlTable.FormatNumber(v);
    public static string P(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
    public static string E(string s) => WebUtility.HtmlEncode(s);
}

/// <summary>
/// A confusion matrix: <see cref="Counts"/>[i, j] = (weighted) samples of true class Labels[i] predicted as Labels[j].
/// Shows as a heat-map table with counts and row percentages (the recall of each class on the diagonal).
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ConfusionMatrix : IRichDisplay
{
    public int[] Labels { get; }
    public double[,] Counts { get; }
    public ConfusionNormalize Normalize { get; }
    public IReadOnlyList<string>? ClassNames { get; }

    public ConfusionMatrix(int[] labels, double[,] counts, ConfusionNormalize normalize = ConfusionNormalize.None, IReadOnlyList<string>? classNames = null)
    {
        Labels = labels; Counts = counts; Normalize = normalize; ClassNames = classNames;
    }

    public int Size => Labels.Length;

    /// <summary>The matrix as requested: counts, or normalised by rows, columns or the total (0/0 gives 0).</summary>
    public double[,] Values
    {
        get
        {
            int k = Size;
            var v = new double[k, k];
            double total = 0;
            foreach (var c in Counts) total += c;
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                {
                    double den = Normalize switch
                    {
                        ConfusionNormalize.True => Row(i).Sum(),
                        ConfusionNormalize.Pred => Column(j).Sum(),
                        ConfusionNormalize.All => total,
                        _ => 1,
                    };
                    v[i, j] = den == 0 ? 0 : Counts[i, j] / den;
                }
            return v;
        }
    }

    public double[] Row(int i) => Enumerable.Range(0, Size).Select(j => Counts[i, j]).ToArray();
    public double[] Column(int j) => Enumerable.Range(0, Size).Select(i => Counts[i, j]).ToArray();

    /// <summary>For binary labels [negative, positive]: (tn, fp, fn, tp), as scikit-learn's confusion_matrix(...).ravel().</summary>
    public (double Tn, double Fp, double Fn, double Tp) Binary =>
        Size == 2 ? (Counts[0, 0], Counts[0, 1], Counts[1, 0], Counts[1, 1])
        : throw new InvalidOperationException($"The matrix is {Size} x {Size}; tn/fp/fn/tp need two classes.");

    public string Name(int i) => ClassNames is null ? Labels[i].ToString(CultureInfo.InvariantCulture)
        : ClassNames.Count == Size ? ClassNames[i] : ClassNames[Labels[i]];

    public string ToHtml()
    {
        var html = new StringBuilder("<table class=\"nbkit-table nbkit-confusion\"><caption>Confusion matrix: rows = true class, columns = predicted; count and row %</caption><thead><tr><th>true \\ predicted</th>");
        for (int j = 0; j < Size; j++) html.Append("<th>").Append(Fmt.E(Name(j))).Append("</th>");
        html.Append("<th>support</th></tr></thead><tbody>");
        for (int i = 0; i < Size; i++)
        {
            double row = Row(i).Sum();
            html.Append("<tr><th>").Append(Fmt.E(Name(i))).Append("</th>");
            for (int j = 0; j < Size; j++)
            {
                double share = row == 0 ? 0 : Counts[i, j] / row;
                string colour = i == j ? "31,119,180" : "214,39,40";
                string ink = share > 0.6 ? "#fff" : "#000";
                html.Append($"<td style=\"background:rgba({colour},{(0.08 + 0.85 * share).ToString("0.00", CultureInfo.InvariantCulture)});color:{ink};text-align:center\"><b>")
                    .Append(Fmt.N(Counts[i, j])).Append("</b><br/><small>").Append(Fmt.P(row == 0 ? double.NaN : share)).Append("</small></td>");
            }
            html.Append("<td>").Append(Fmt.N(row)).Append("</td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public string ToPlainText()
    {
        var table = new HtmlTable(new[] { "true \\ predicted" }.Concat(Enumerable.Range(0, Size).Select(Name)).Append("support"), "Confusion matrix (count, row %)");
        for (int i = 0; i < Size; i++)
        {
            double row = Row(i).Sum();
            table.AddRow(new object?[] { Name(i) }
                .Concat(Enumerable.Range(0, Size).Select(j => (object?)$"{Fmt.N(Counts[i, j])} ({Fmt.P(row == 0 ? double.NaN : Counts[i, j] / row)})"))
                .Append(row).ToArray());
        }
        return table.ToPlainText();
    }

    public override string ToString() => ToPlainText();
}

/// <summary>One row of a classification report.</summary>
public sealed record ReportRow(string Name, double Precision, double Recall, double F1, double Support);

/// <summary>scikit-learn's classification_report: per-class precision, recall, F1 and support, then accuracy and averages.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ClassificationReport : IRichDisplay
{
    public IReadOnlyList<ReportRow> Classes { get; }
    /// <summary>Accuracy when the report covers every label; else null and <see cref="MicroAverage"/> is given.</summary>
    public double? Accuracy { get; }
    public ReportRow? MicroAverage { get; }
    public ReportRow MacroAverage { get; }
    public ReportRow WeightedAverage { get; }

    public ClassificationReport(IReadOnlyList<ReportRow> classes, double? accuracy, ReportRow? micro, ReportRow macro, ReportRow weighted)
    {
        Classes = classes; Accuracy = accuracy; MicroAverage = micro; MacroAverage = macro; WeightedAverage = weighted;
    }

    public HtmlTable Table()
    {
        var table = new HtmlTable(["", "precision", "recall", "f1-score", "support"], "Classification report");
        foreach (var r in Classes) table.AddRow(r.Name, r.Precision, r.Recall, r.F1, r.Support);
        if (Accuracy is double a) table.AddRow("accuracy", "", "", a, MacroAverage.Support);
        if (MicroAverage is { } m) table.AddRow(m.Name, m.Precision, m.Recall, m.F1, m.Support);
        foreach (var r in new[] { MacroAverage, WeightedAverage }) table.AddRow(r.Name, r.Precision, r.Recall, r.F1, r.Support);
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
    public override string ToString() => ToPlainText();
}

/// <summary>A ROC curve (false positive rate, true positive rate per threshold) and its area; draws itself as a chart.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class RocCurve : IRichDisplay
{
    public double[] Fpr { get; }
    public double[] Tpr { get; }
    /// <summary>Decreasing thresholds: a sample is predicted positive when its score >= threshold.</summary>
    public double[] Thresholds { get; }
    /// <summary>Trapezoid area under the curve (= Score.RocAuc for binary labels).</summary>
    public double Auc { get; }
    public string Name { get; init; } = "model";
    /// <summary>A threshold to mark on the chart.</summary>
    public double? MarkedThreshold { get; init; }

    public RocCurve(double[] fpr, double[] tpr, double[] thresholds)
    {
        Fpr = fpr; Tpr = tpr; Thresholds = thresholds;
        double area = 0;
        for (int i = 1; i < fpr.Length; i++) area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        Auc = area;
    }

    /// <summary>This curve with a marked threshold (and optionally a legend name).</summary>
    public RocCurve Mark(double threshold, string? name = null) => new(Fpr, Tpr, Thresholds) { Name = name ?? Name, MarkedThreshold = threshold };

    /// <summary>This curve under another legend name.</summary>
    public RocCurve Named(string name) => new(Fpr, Tpr, Thresholds) { Name = name, MarkedThreshold = MarkedThreshold };

    /// <summary>The curve point at <paramref name="threshold"/>: the last one whose threshold is >= it.</summary>
    public (double Fpr, double Tpr) PointAt(double threshold)
    {
        int i = 0;
        while (i + 1 < Thresholds.Length && Thresholds[i + 1] >= threshold) i++;
        return (Fpr[i], Tpr[i]);
    }

    public IEnumerable<Trace> Traces()
    {
        yield return new Scatter { X = Fpr, Y = Tpr, Name = $"{Name} (AUC = {Auc:0.000})", Text = Thresholds.Select(Fmt.N).ToArray(), Hovertemplate = "fpr %{x:.3f}, tpr %{y:.3f}, threshold %{text}" };
        if (MarkedThreshold is double t)
        {
            var (x, y) = PointAt(t);
            yield return new Scatter { X = new[] { x }, Y = new[] { y }, Mode = "markers", Name = $"threshold {Fmt.N(t)}", Marker = new Marker { Size = 12 } };
        }
    }

    public Figure ToFigure()
    {
        var figure = new Figure(Traces().ToArray()).WithTitle("ROC curve", "false positive rate", "true positive rate");
        figure.Add(ChanceLine());
        return figure;
    }

    internal static Scatter ChanceLine() => new() { X = new[] { 0.0, 1.0 }, Y = new[] { 0.0, 1.0 }, Name = "chance (AUC = 0.5)", Line = new Line { Dash = "dash", Color = "gray" } };

    /// <summary>Several ROC curves on one chart, with the chance line.</summary>
    public static Figure Overlay(params RocCurve[] curves)
    {
        var figure = new Figure(curves.SelectMany(c => c.Traces()).ToArray()).WithTitle("ROC curves", "false positive rate", "true positive rate");
        return figure.Add(ChanceLine());
    }

    public string ToHtml() => ToFigure().ToHtml();
    public string ToPlainText() => $"ROC curve '{Name}': {Fpr.Length} points, AUC = {Fmt.N(Auc)}";
    public override string ToString() => ToPlainText();
}

/// <summary>A precision-recall curve and its average precision; draws itself with the chance (prevalence) line.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class PrecisionRecallCurve : IRichDisplay
{
    /// <summary>Precision per increasing threshold, then 1 (at recall 0).</summary>
    public double[] Precision { get; }
    /// <summary>Recall per increasing threshold, then 0.</summary>
    public double[] Recall { get; }
    /// <summary>Increasing thresholds (one fewer than the points).</summary>
    public double[] Thresholds { get; }
    /// <summary>AP = sum (R_n - R_(n-1)) P_n (= Score.AveragePrecision).</summary>
    public double AveragePrecision { get; }
    /// <summary>Share of positives: the precision of predicting everything positive, and of a random ranking.</summary>
    public double Prevalence => Precision.Length > 1 ? Precision[0] : double.NaN;
    public string Name { get; init; } = "model";
    public double? MarkedThreshold { get; init; }

    public PrecisionRecallCurve(double[] precision, double[] recall, double[] thresholds)
    {
        Precision = precision; Recall = recall; Thresholds = thresholds;
        double ap = 0;
        for (int i = 0; i + 1 < recall.Length; i++) ap -= (recall[i + 1] - recall[i]) * precision[i];
        AveragePrecision = ap;
    }

    public PrecisionRecallCurve Mark(double threshold, string? name = null) => new(Precision, Recall, Thresholds) { Name = name ?? Name, MarkedThreshold = threshold };
    public PrecisionRecallCurve Named(string name) => new(Precision, Recall, Thresholds) { Name = name, MarkedThreshold = MarkedThreshold };

    /// <summary>The point at <paramref name="threshold"/>: the first threshold >= it.</summary>
    public (double Precision, double Recall) PointAt(double threshold)
    {
        int i = 0;
        while (i < Thresholds.Length - 1 && Thresholds[i] < threshold) i++;
        return (Precision[i], Recall[i]);
    }

    public IEnumerable<Trace> Traces()
    {
        yield return new Scatter { X = Recall, Y = Precision, Name = $"{Name} (AP = {AveragePrecision:0.000})", Extra = { ["line"] = new Dictionary<string, object> { ["shape"] = "hv" } } };
        if (MarkedThreshold is double t)
        {
            var (p, r) = PointAt(t);
            yield return new Scatter { X = new[] { r }, Y = new[] { p }, Mode = "markers", Name = $"threshold {Fmt.N(t)}", Marker = new Marker { Size = 12 } };
        }
    }

    public Figure ToFigure()
    {
        var figure = new Figure(Traces().ToArray()).WithTitle("Precision-recall curve", "recall", "precision");
        figure.Add(new Scatter { X = new[] { 0.0, 1.0 }, Y = new[] { Prevalence, Prevalence }, Name = $"chance (AP = {Prevalence:0.000})", Line = new Line { Dash = "dash", Color = "gray" } });
        figure.Layout.YAxis!.Range = [0, 1.05];
        return figure;
    }

    public static Figure Overlay(params PrecisionRecallCurve[] curves)
    {
        var figure = new Figure(curves.SelectMany(c => c.Traces()).ToArray()).WithTitle("Precision-recall curves", "recall", "precision");
        foreach (var c in curves)
            figure.Add(new Scatter { X = new[] { 0.0, 1.0 }, Y = new[] { c.Prevalence, c.Prevalence }, Name = $"chance for {c.Name} ({c.Prevalence:0.000})", Line = new Line { Dash = "dash" } });
        return figure;
    }

    public string ToHtml() => ToFigure().ToHtml();
    public string ToPlainText() => $"Precision-recall curve '{Name}': {Precision.Length} points, AP = {Fmt.N(AveragePrecision)}";
    public override string ToString() => ToPlainText();
}

/// <summary>A detection error trade-off curve: false positive rate against false negative rate per threshold.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class DetCurve(double[] fpr, double[] fnr, double[] thresholds) : IRichDisplay
{
    public double[] Fpr { get; } = fpr;
    public double[] Fnr { get; } = fnr;
    public double[] Thresholds { get; } = thresholds;

    public Figure ToFigure() => new Figure(new Scatter { X = Fpr, Y = Fnr, Name = "DET" }).WithTitle("Detection error trade-off", "false positive rate", "false negative rate");
    public string ToHtml() => ToFigure().ToHtml();
    public string ToPlainText() => $"DET curve: {Fpr.Length} points";
}

/// <summary>
/// A calibration (reliability) curve: per non-empty bin, the mean predicted probability and the observed share of
/// positives. A calibrated model lies on the diagonal. ECE = sum_b (n_b / n) |observed_b - predicted_b|.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class CalibrationCurve : IRichDisplay
{
    public double[] ProbTrue { get; }
    public double[] ProbPred { get; }
    /// <summary>Samples in each non-empty bin.</summary>
    public double[] Counts { get; }
    public double[] BinEdges { get; }
    public string Name { get; init; } = "model";

    public CalibrationCurve(double[] probTrue, double[] probPred, double[] counts, double[] binEdges)
    {
        ProbTrue = probTrue; ProbPred = probPred; Counts = counts; BinEdges = binEdges;
    }

    /// <summary>Expected calibration error over these bins.</summary>
    public double ExpectedCalibrationError
    {
        get
        {
            double n = Counts.Sum(), e = 0;
            for (int i = 0; i < Counts.Length; i++) e += Counts[i] / n * Math.Abs(ProbTrue[i] - ProbPred[i]);
            return e;
        }
    }

    public Figure ToFigure()
    {
        double n = Counts.Sum();
        var figure = new Figure(
            new Scatter { X = ProbPred, Y = ProbTrue, Mode = "lines+markers", Name = $"{Name} (ECE = {ExpectedCalibrationError:0.000})" },
            new Scatter { X = new[] { 0.0, 1.0 }, Y = new[] { 0.0, 1.0 }, Name = "perfectly calibrated", Line = new Line { Dash = "dash", Color = "gray" } },
            new Bar { X = ProbPred, Y = Counts.Select(c => c / n).ToArray(), Name = "share of samples", Extra = { ["yaxis"] = "y2", ["opacity"] = 0.3, ["width"] = 0.02 } })
            .WithTitle("Reliability diagram", "mean predicted probability", "observed share of positives");
        figure.Layout.Extra["yaxis2"] = new Dictionary<string, object> { ["overlaying"] = "y", ["side"] = "right", ["range"] = new[] { 0.0, 1.0 }, ["title"] = new { text = "share of samples" } };
        figure.Layout.YAxis!.Range = [0, 1];
        return figure;
    }

    public HtmlTable Table()
    {
        var table = new HtmlTable(["bin", "mean predicted", "observed positives", "samples"], "Calibration by bin");
        for (int i = 0; i < Counts.Length; i++) table.AddRow(i + 1, ProbPred[i], ProbTrue[i], Counts[i]);
        return table;
    }

    public string ToHtml() => ToFigure().ToHtml();
    public string ToPlainText() => $"Calibration curve '{Name}': {Counts.Length} bins, ECE = {Fmt.N(ExpectedCalibrationError)}";
    public override string ToString() => ToPlainText();
}

/// <summary>A metric with a bootstrap percentile confidence interval.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed record BootstrapResult(string Metric, double Value, double Lower, double Upper, double Confidence, int Resamples, int Skipped, double[] Samples) : IRichDisplay
{
    public double StandardError
    {
        get
        {
            double mean = Samples.Average();
            return Math.Sqrt(Samples.Sum(s => (s - mean) * (s - mean)) / Math.Max(1, Samples.Length - 1));
        }
    }

    public string ToPlainText() =>
        $"{Metric} = {Fmt.N(Value)} ({Confidence * 100:0.#}% CI {Fmt.N(Lower)} to {Fmt.N(Upper)}, {Resamples} resamples" + (Skipped > 0 ? $", {Skipped} skipped)" : ")");

    public string ToHtml()
    {
        var c = CultureInfo.InvariantCulture;
        double span = Math.Max(1e-12, Upper - Lower);
        double lo = Lower - 0.25 * span, hi = Upper + 0.25 * span;
        string Pos(double v) => (100 * (v - lo) / (hi - lo)).ToString("0.0", c);
        return $"<div class=\"nbkit-bootstrap\"><b>{Fmt.E(Metric)}</b> = {Fmt.N(Value)} <span style=\"color:#555\">[{Fmt.N(Lower)}, {Fmt.N(Upper)}] " +
               $"({(Confidence * 100).ToString("0.#", c)}% bootstrap CI, {Resamples} resamples{(Skipped > 0 ? $", {Skipped} skipped" : "")})</span>" +
               $"<div style=\"position:relative;height:10px;width:240px;background:#eee;margin-top:4px\">" +
               $"<div style=\"position:absolute;left:{Pos(Lower)}%;width:{(100 * (Upper - Lower) / (hi - lo)).ToString("0.0", c)}%;height:10px;background:#9ecae1\"></div>" +
               $"<div style=\"position:absolute;left:{Pos(Value)}%;width:2px;height:10px;background:#08519c\"></div></div></div>";
    }

    public override string ToString() => ToPlainText();
}
