using NotebookKit.Display;

namespace NotebookKit.Metrics;

/// <summary>A decision threshold and what it gives: predicted positive when score >= Threshold.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed record ThresholdChoice(string Criterion, double Threshold, double Precision, double Recall, double F1, double Fpr) : IRichDisplay
{
    /// <summary>
    /// The next lower distinct score in the data the threshold was chosen on (NaN when none is lower, or for sweep
    /// rows): every threshold in (Below, Threshold] makes the same calls there, so the data cannot tell them apart.
    /// </summary>
    public double Below { get; init; } = double.NaN;

    /// <summary>
    /// The same choice moved to the middle of (Below, Threshold]: identical calls on the data it was chosen on, but
    /// not sitting on one sample's own score, so new scores a hair below that sample's are not pushed to the other
    /// side. Unchanged when nothing lies below.
    /// </summary>
    public ThresholdChoice Centered() => double.IsNaN(Below) ? this : this with { Threshold = (Below + Threshold) / 2 };

    public HtmlTable Table() => new HtmlTable(["criterion", "threshold", "precision", "recall", "F1", "false positive rate"]).AddRow(Criterion, Threshold, Precision, Recall, F1, Fpr);
    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}

/// <summary>Precision, recall, F1 and false positive rate at a list of thresholds; a table and a chart.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ThresholdSweep(IReadOnlyList<ThresholdChoice> rows) : IRichDisplay
{
    public IReadOnlyList<ThresholdChoice> Rows { get; } = rows;

    public HtmlTable Table()
    {
        var table = new HtmlTable(["threshold", "precision", "recall", "F1", "false positive rate"], "Metrics across thresholds (positive when score >= threshold)");
        foreach (var r in Rows) table.AddRow(r.Threshold, r.Precision, r.Recall, r.F1, r.Fpr);
        return table;
    }

    /// <summary>
    /// Precision, recall and F1 against the threshold. Each mark is drawn as a labelled point on the F1 curve at its
    /// own threshold (symbols differ, so marks at the same threshold stay visible) with a dotted line to the x axis.
    /// The y axis is zoomed to the values shown, since a good model's curves often sit in a narrow band near 1.
    /// </summary>
    public Figure ToFigure(params ThresholdChoice[] marks)
    {
        var x = Rows.Select(r => r.Threshold).ToArray();
        var figure = new Figure(
            new Scatter { X = x, Y = Rows.Select(r => r.Precision).ToArray(), Name = "precision", Mode = "lines+markers" },
            new Scatter { X = x, Y = Rows.Select(r => r.Recall).ToArray(), Name = "recall", Mode = "lines+markers" },
            new Scatter { X = x, Y = Rows.Select(r => r.F1).ToArray(), Name = "F1", Mode = "lines+markers" })
            .WithTitle("Precision, recall and F1 across thresholds", "threshold", "score");
        var shown = Rows.SelectMany(r => new[] { r.Precision, r.Recall, r.F1 }).Concat(marks.Select(m => m.F1))
            .Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).ToArray();
        double low = Math.Max(0, shown.Min() - 0.05 * Math.Max(0.05, shown.Max() - shown.Min()) - 0.01);
        string[] symbols = ["diamond", "circle-open", "square-open", "x", "triangle-up"];
        for (int i = 0; i < marks.Length; i++)
        {
            var m = marks[i];
            figure.Add(new Scatter
            {
                X = new[] { m.Threshold, m.Threshold }, Y = new[] { low, m.F1 }, Mode = "lines", ShowLegend = false,
                Line = new Line { Dash = "dot", Color = "gray" }, Hovertemplate = "threshold %{x:.4f}",
            });
            figure.Add(new Scatter
            {
                X = new[] { m.Threshold }, Y = new[] { m.F1 }, Mode = "markers", Name = $"{m.Criterion} ({Fmt.N(m.Threshold)})",
                Marker = new Marker { Size = 14 + 4 * i, Symbol = symbols[i % symbols.Length] },
            });
        }
        figure.Layout.XAxis!.Range = [Math.Min(0, x.DefaultIfEmpty(0).Min()) - 0.02, 1.02];
        figure.Layout.YAxis!.Range = [low, 1.01];
        return figure;
    }

    public string ToHtml() => ToFigure().ToHtml() + Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}

public static partial class Score
{
    /// <summary>
    /// Calibration curve (scikit-learn's calibration_curve): probabilities are put in <paramref name="bins"/> bins,
    /// equal-width edges linspace(0, 1, bins + 1) or quantile edges (numpy's linear percentile), a value on an inner
    /// edge going to the lower bin; for each non-empty bin, ProbTrue = share of positives, ProbPred = mean probability.
    /// </summary>
    public static CalibrationCurve CalibrationCurve(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> probabilities, int bins = 10, BinStrategy strategy = BinStrategy.Uniform, int? posLabel = null)
    {
        Validate.Pair(yTrue.Length, probabilities.Length, "yTrue", "probabilities");
        Validate.Probabilities(probabilities, "probabilities");
        if (bins < 1) throw new ArgumentException($"bins must be at least 1, got {bins}.", nameof(bins));
        int pos = PositiveLabel(yTrue, posLabel);
        var edges = strategy == BinStrategy.Uniform ? Linspace(0, 1, bins + 1) : Percentiles(probabilities.ToArray(), Linspace(0, 1, bins + 1).Select(q => q * 100).ToArray());
        var sums = new double[edges.Length];
        var trues = new double[edges.Length];
        var totals = new double[edges.Length];
        for (int i = 0; i < probabilities.Length; i++)
        {
            double p = probabilities[i];
            int bin = 0; // searchsorted(edges[1:-1], p, side = left)
            int lo = 1, hi = edges.Length - 1;
            while (lo < hi) { int mid = (lo + hi) / 2; if (edges[mid] < p) lo = mid + 1; else hi = mid; }
            bin = lo - 1;
            sums[bin] += p;
            trues[bin] += yTrue[i] == pos ? 1 : 0;
            totals[bin] += 1;
        }
        var keep = Enumerable.Range(0, edges.Length).Where(b => totals[b] != 0).ToArray();
        return new CalibrationCurve(keep.Select(b => trues[b] / totals[b]).ToArray(), keep.Select(b => sums[b] / totals[b]).ToArray(),
            keep.Select(b => totals[b]).ToArray(), edges);
    }

    /// <summary>
    /// Expected calibration error = sum_b (n_b / n) |observed_b - predicted_b| over the bins of
    /// <see cref="CalibrationCurve(ReadOnlySpan{int}, ReadOnlySpan{double}, int, BinStrategy, int?)"/>: 0 for a perfectly calibrated model.
    /// </summary>
    public static double ExpectedCalibrationError(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> probabilities, int bins = 10, BinStrategy strategy = BinStrategy.Uniform, int? posLabel = null) =>
        CalibrationCurve(yTrue, probabilities, bins, strategy, posLabel).ExpectedCalibrationError;

    /// <summary>numpy.linspace(start, stop, num): start + i * step, the last value exactly stop.</summary>
    internal static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[^1] = stop;
        return y;
    }

    /// <summary>numpy.percentile(values, q) with the default linear method, including numpy's lerp rounding.</summary>
    public static double[] Percentiles(double[] values, double[] q)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return q.Select(qq =>
        {
            double virtualIndex = (n - 1) * (qq / 100);
            double previous = Math.Floor(virtualIndex);
            int prev = (int)Math.Clamp(previous, 0, n - 1), next = Math.Min(prev + 1, n - 1);
            if (virtualIndex >= n - 1) prev = next = n - 1;
            double gamma = virtualIndex - previous;
            double a = sorted[prev], b = sorted[next], diff = b - a;
            return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
        }).ToArray();
    }

    static List<ThresholdChoice> CurvePoints(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int? posLabel, string criterion)
    {
        int pos = PositiveLabel(yTrue, posLabel);
        var sink = new CurveCollector(yTrue.Length);
        var (p, n) = WalkCurve(yTrue, scores, default, pos, ref sink);
        if (p == 0 || n == 0) throw new ArgumentException("Choosing a threshold needs both classes in yTrue.", nameof(yTrue));
        var points = new List<ThresholdChoice>(sink.Count);
        for (int i = 0; i < sink.Count; i++)
        {
            double tp = sink.Tps[i], fp = sink.Fps[i];
            double precision = tp / (tp + fp), recall = tp / p;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            points.Add(new ThresholdChoice(criterion, sink.Thresholds[i], precision, recall, f1, fp / n)
                { Below = i + 1 < sink.Count ? sink.Thresholds[i + 1] : double.NaN });
        }
        return points;
    }

    /// <summary>
    /// Youden's J: the threshold maximising J = tpr - fpr (sensitivity + specificity - 1), the ROC point farthest
    /// above the chance line. Ties go to the highest threshold.
    /// </summary>
    public static ThresholdChoice YoudenThreshold(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, int? posLabel = null)
    {
        var points = CurvePoints(yTrue, scores, posLabel, "Youden's J");
        return points.Aggregate((best, x) => x.Recall - x.Fpr > best.Recall - best.Fpr ? x : best);
    }

    /// <summary>
    /// The threshold maximising F-beta = (1 + b^2) P R / (b^2 P + R) over the precision-recall curve; ties go to the
    /// highest threshold.
    /// </summary>
    public static ThresholdChoice BestFBetaThreshold(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, double beta = 1, int? posLabel = null)
    {
        if (!(beta > 0)) throw new ArgumentException($"beta must be > 0, got {beta}.", nameof(beta));
        var points = CurvePoints(yTrue, scores, posLabel, $"best F{Fmt.N(beta)}");
        double b2 = beta * beta;
        double F(ThresholdChoice x) { double d = b2 * x.Precision + x.Recall; return d == 0 ? 0 : (1 + b2) * x.Precision * x.Recall / d; }
        return points.Aggregate((best, x) => F(x) > F(best) ? x : best);
    }

    /// <summary>The threshold with the highest recall whose precision is at least <paramref name="target"/> (ties: highest threshold).</summary>
    public static ThresholdChoice ThresholdForPrecision(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, double target, int? posLabel = null)
    {
        if (!(target is > 0 and <= 1)) throw new ArgumentException($"target precision must be in (0, 1], got {target}.", nameof(target));
        var ok = CurvePoints(yTrue, scores, posLabel, $"precision >= {Fmt.N(target)}").Where(x => x.Precision >= target).ToList();
        if (ok.Count == 0) throw new ArgumentException($"No threshold reaches precision {target}.", nameof(target));
        return ok.Aggregate((best, x) => x.Recall > best.Recall ? x : best);
    }

    /// <summary>The highest threshold whose recall is at least <paramref name="target"/>.</summary>
    public static ThresholdChoice ThresholdForRecall(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, double target, int? posLabel = null)
    {
        if (!(target is > 0 and <= 1)) throw new ArgumentException($"target recall must be in (0, 1], got {target}.", nameof(target));
        return CurvePoints(yTrue, scores, posLabel, $"recall >= {Fmt.N(target)}").First(x => x.Recall >= target);
    }

    /// <summary>Precision, recall, F1 and fpr when predicting positive at score >= t, for each given threshold (precision 0 when nothing is predicted positive).</summary>
    public static ThresholdSweep ThresholdSweep(ReadOnlySpan<int> yTrue, ReadOnlySpan<double> scores, IEnumerable<double> thresholds, int? posLabel = null)
    {
        Validate.Pair(yTrue.Length, scores.Length, "yTrue", "scores");
        Validate.Finite(scores, "scores");
        int pos = PositiveLabel(yTrue, posLabel);
        var rows = new List<ThresholdChoice>();
        foreach (var t in thresholds)
        {
            double tp = 0, fp = 0, p = 0, n = 0;
            for (int i = 0; i < yTrue.Length; i++)
            {
                bool positive = yTrue[i] == pos;
                if (positive) p++; else n++;
                if (scores[i] >= t) { if (positive) tp++; else fp++; }
            }
            double precision = tp + fp == 0 ? 0 : tp / (tp + fp), recall = p == 0 ? 0 : tp / p;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            rows.Add(new ThresholdChoice("sweep", t, precision, recall, f1, n == 0 ? 0 : fp / n));
        }
        return new ThresholdSweep(rows);
    }

    /// <summary>
    /// scikit-learn's classification_report: precision, recall, F1 and support per label, then accuracy (or the micro
    /// average when <paramref name="labels"/> is a subset), the macro average and the support-weighted average.
    /// </summary>
    public static ClassificationReport ClassificationReport(ReadOnlySpan<int> yTrue, ReadOnlySpan<int> yPred, int[]? labels = null, IReadOnlyList<string>? targetNames = null,
        ReadOnlySpan<double> sampleWeight = default, double zeroDivision = 0)
    {
        var t = Tally.Count(yTrue, yPred, sampleWeight);
        var per = PerClass(t, 1, labels, zeroDivision);
        if (targetNames is not null && targetNames.Count != per.Labels.Length)
            throw new ArgumentException($"{targetNames.Count} target names for {per.Labels.Length} labels.", nameof(targetNames));
        var rows = per.Labels.Select((l, i) => new ReportRow(targetNames?[i] ?? l.ToString(), per.Precision[i], per.Recall[i], per.FScore[i], per.Support[i])).ToArray();
        double support = per.Support.Sum();
        bool microIsAccuracy = labels is null || t.Labels.All(labels.Contains);
        var macro = Averaged(t, 1, Average.Macro, 1, per.Labels, zeroDivision);
        var weighted = Averaged(t, 1, Average.Weighted, 1, per.Labels, zeroDivision);
        double? accuracy = null;
        ReportRow? micro = null;
        if (microIsAccuracy) accuracy = Averaged(t, 1, Average.Micro, 1, per.Labels, zeroDivision).F;
        else { var m = Averaged(t, 1, Average.Micro, 1, per.Labels, zeroDivision); micro = new ReportRow("micro avg", m.P, m.R, m.F, support); }
        return new ClassificationReport(rows, accuracy, micro, new ReportRow("macro avg", macro.P, macro.R, macro.F, support),
            new ReportRow("weighted avg", weighted.P, weighted.R, weighted.F, support));
    }
}
