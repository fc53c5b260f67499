using Microsoft.DotNet.Interactive.Formatting;
using NotebookKit.Display;
using NotebookKit.Metrics;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Metrics;

public class MetricErrorTests
{
    static readonly int[] Y = [0, 1, 1, 0, 1];
    static readonly double[] S = [0.1, 0.8, 0.6, 0.4, 0.9];

    [Fact]
    public void Empty_input_is_rejected_by_name() =>
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Score.Accuracy(Array.Empty<int>(), Array.Empty<int>())).Message);

    [Fact]
    public void Mismatched_lengths_name_both_arrays()
    {
        var e = Assert.Throws<ArgumentException>(() => Score.F1(Y, new[] { 0, 1 }));
        Assert.Contains("yTrue has 5", e.Message);
        Assert.Contains("yPred has 2", e.Message);
    }

    [Fact]
    public void NaN_and_infinite_scores_are_rejected()
    {
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Score.RocAuc(Y, new[] { 0.1, double.NaN, 0.6, 0.4, 0.9 })).Message);
        Assert.Contains("Infinity", Assert.Throws<ArgumentException>(() => Score.AveragePrecision(Y, new[] { 0.1, double.PositiveInfinity, 0.6, 0.4, 0.9 })).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RocAuc_with_one_class_present_is_undefined() =>
        Assert.Contains("Only one class", Assert.Throws<ArgumentException>(() => Score.RocAuc(new[] { 1, 1, 1 }, new[] { 0.2, 0.5, 0.9 })).Message);

    [Fact]
    public void Binary_average_on_multiclass_labels_asks_for_another_average() =>
        Assert.Contains("Micro, Macro, Weighted", Assert.Throws<ArgumentException>(() => Score.Precision(new[] { 0, 1, 2 }, new[] { 0, 2, 1 })).Message);

    [Fact]
    public void A_positive_label_outside_the_label_set_is_rejected() =>
        Assert.Contains("posLabel=5", Assert.Throws<ArgumentException>(() => Score.Recall(Y, Y, posLabel: 5)).Message);

    [Fact]
    public void A_label_outside_the_given_labels_is_rejected_for_scores() =>
        Assert.Contains("not in labels", Assert.Throws<ArgumentException>(() => Score.TopKAccuracy(new[] { 0, 1, 7 }, new double[,] { { 0.5, 0.5 }, { 0.2, 0.8 }, { 0.4, 0.6 } }, 1, labels: [0, 1])).Message);

    [Fact]
    public void Multiclass_auc_needs_rows_that_sum_to_one() =>
        Assert.Contains("sum to 1", Assert.Throws<ArgumentException>(() => Score.RocAuc(new[] { 0, 1, 2 }, new double[,] { { 0.5, 0.2, 0.2 }, { 0.1, 0.8, 0.1 }, { 0.1, 0.1, 0.8 } })).Message);

    [Fact]
    public void Probabilities_outside_0_1_are_rejected() =>
        Assert.Contains("not a probability", Assert.Throws<ArgumentException>(() => Score.BrierScore(Y, new[] { 0.1, 1.2, 0.6, 0.4, 0.9 })).Message);

    [Fact]
    public void Negative_weights_are_rejected() =>
        Assert.Contains("sampleWeight[1]", Assert.Throws<ArgumentException>(() => Score.Accuracy(Y, Y, new[] { 1.0, -1, 1, 1, 1 })).Message);

    [Fact]
    public void Average_None_points_to_the_per_class_function() =>
        Assert.Contains("PerClass", Assert.Throws<ArgumentException>(() => Score.F1(Y, Y, Average.None)).Message);

    [Fact]
    public void Zero_division_must_be_0_or_1() =>
        Assert.Throws<ArgumentException>(() => Score.Precision(Y, Y, zeroDivision: 0.5));

    [Fact]
    public void Confusion_matrix_labels_must_include_one_true_label() =>
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => Score.ConfusionMatrix(Y, Y, labels: [4, 5])).Message);

    [Fact]
    public void Curves_need_posLabel_for_labels_other_than_0_1() =>
        Assert.Contains("posLabel", Assert.Throws<ArgumentException>(() => Score.RocCurve(new[] { 3, 7, 7 }, new[] { 0.1, 0.5, 0.9 })).Message);

    [Fact]
    public void Msle_rejects_negative_targets() =>
        Assert.Contains(">= 0", Assert.Throws<ArgumentException>(() => Score.MeanSquaredLogError(new[] { -1.0, 2 }, new[] { 1.0, 2 })).Message);
}

public class MetricTensorTests
{
    [Fact]
    public void Tensor_metrics_equal_the_array_metrics()
    {
        var random = new Random(3);
        int n = 5000;
        var y = Enumerable.Range(0, n).Select(_ => random.Next(2)).ToArray();
        var s = y.Select(v => Math.Round(0.3 * v + random.NextDouble() * 0.7, 2)).ToArray();
        var pred = s.Select(v => v >= 0.5 ? 1 : 0).ToArray();
        var w = y.Select(_ => random.NextDouble() * 2).ToArray();
        using var ty = tensor(y.Select(v => (long)v).ToArray());
        using var ts = tensor(s.Select(v => (float)v).ToArray());
        using var tp = tensor(pred.Select(v => (long)v).ToArray());
        using var tw = tensor(w);
        var sf = s.Select(v => (double)(float)v).ToArray();
        Assert.Equal(Score.RocAuc(y, sf), Score.RocAuc(ty, ts), 12);
        Assert.Equal(Score.RocAuc(y, sf, w), Score.RocAuc(ty, ts, tw), 12);
        Assert.Equal(Score.AveragePrecision(y, sf), Score.AveragePrecision(ty, ts), 12);
        Assert.Equal(Score.F1(y, pred), Score.F1(ty, tp), 14);
        Assert.Equal(Score.Precision(y, pred, sampleWeight: w), Score.Precision(ty, tp, sampleWeight: tw), 12);
        Assert.Equal(Score.Accuracy(y, pred), Score.Accuracy(ty, tp), 14);
        Assert.Equal(Score.MatthewsCorrCoef(y, pred), Score.MatthewsCorrCoef(ty, tp), 12);
        Assert.Equal(Score.ConfusionMatrix(y, pred).Counts, Score.ConfusionMatrix(ty, tp).Counts);
        var yd = y.Select(v => (double)v).ToArray();
        Assert.Equal(Score.MeanSquaredError(yd, sf), Score.MeanSquaredError(ty, ts), 12);
        Assert.Equal(Score.MeanAbsoluteError(yd, sf), Score.MeanAbsoluteError(ty, ts), 12);
        Assert.Equal(Score.R2(yd, sf), Score.R2(ty, ts), 12);
        Assert.Equal(Score.LogLoss(y, sf), Score.LogLoss(ty, ts), 12);
    }

    [Fact]
    public void Large_cpu_tensors_take_the_array_path_and_agree_with_the_device_path()
    {
        var random = new Random(9);
        int n = 70_000; // above the CPU shortcut
        var y = Enumerable.Range(0, n).Select(_ => random.Next(2)).ToArray();
        var s = y.Select(v => Math.Round(0.2 * v + random.NextDouble(), 3)).ToArray();
        using var ty = tensor(y.Select(v => (long)v).ToArray());
        using var ts = tensor(s);
        Assert.Equal(Score.RocAuc(y, s), Score.RocAuc(ty, ts), 14);
        Assert.Equal(Score.AveragePrecision(y, s), Score.AveragePrecision(ty, ts), 14);
        // the same numbers from the sort-and-cumsum path libtorch runs on accelerators, forced here by halves
        using var half = ty.narrow(0, 0, 30_000);
        using var halfScores = ts.narrow(0, 0, 30_000);
        Assert.Equal(Score.RocAuc(y[..30_000], s[..30_000]), Score.RocAuc(half, halfScores), 12);
    }

    [Fact]
    public void Float_labels_are_rejected_for_classification_tensors()
    {
        using var y = tensor(new[] { 0f, 1f });
        Assert.Contains("integer tensor", Assert.Throws<ArgumentException>(() => Score.F1(y, y)).Message);
    }

    [Fact]
    public void Streaming_metrics_accept_tensor_batches()
    {
        var auc = new StreamingAuc(bins: 1000);
        var conf = new StreamingConfusion();
        var reg = new StreamingRegression();
        var random = new Random(5);
        var allY = new List<int>(); var allS = new List<double>();
        for (int batch = 0; batch < 4; batch++)
        {
            var y = Enumerable.Range(0, 64).Select(_ => random.Next(2)).ToArray();
            var s = y.Select(v => Math.Round(0.4 * v + 0.6 * random.NextDouble(), 3)).ToArray();
            using var ty = tensor(y.Select(v => (long)v).ToArray());
            using var ts = tensor(s);
            using var tp = ts.ge(0.5).to_type(ScalarType.Int64);
            auc.Update(ty, ts);
            conf.Update(ty, tp);
            reg.Update(ty.to_type(ScalarType.Float64), ts);
            allY.AddRange(y); allS.AddRange(s);
        }
        var yy = allY.ToArray(); var ss = allS.ToArray();
        Assert.Equal(Score.RocAuc(yy, ss.Select(v => (double)auc.BinOf(v)).ToArray()), auc.Compute(), 12);
        Assert.Equal(Score.F1(yy, ss.Select(v => v >= 0.5 ? 1 : 0).ToArray()), conf.F1(), 12);
        Assert.Equal(Score.MeanSquaredError(yy.Select(v => (double)v).ToArray(), ss), reg.MeanSquaredError(), 12);
        Assert.Equal(256, reg.Count);
        Assert.Equal(Score.MeanAbsoluteError(yy.Select(v => (double)v).ToArray(), ss), reg.Compute().MeanAbsoluteError, 12);
        reg.Reset();
        Assert.Throws<InvalidOperationException>(() => reg.MeanSquaredError());
    }
}

public class BootstrapTests
{
    [Fact]
    public void Bootstrap_is_seeded_and_brackets_the_value()
    {
        var random = new Random(11);
        var y = Enumerable.Range(0, 400).Select(_ => random.Next(2)).ToArray();
        var s = y.Select(v => 0.3 * v + 0.7 * random.NextDouble()).ToArray();
        var a = Bootstrap.Interval(y, s, (t, p) => Score.RocAuc(t, p), "AUC", resamples: 300, seed: 7);
        var b = Bootstrap.Interval(y, s, (t, p) => Score.RocAuc(t, p), "AUC", resamples: 300, seed: 7);
        Assert.Equal(a.Samples, b.Samples);
        Assert.True(a.Lower < a.Value && a.Value < a.Upper);
        Assert.Equal(Score.Percentiles(a.Samples, [2.5, 97.5]), new[] { a.Lower, a.Upper });
    }

    [Fact]
    public void Bootstrap_standard_error_of_accuracy_matches_the_binomial_formula()
    {
        var random = new Random(1);
        int n = 1000;
        var y = Enumerable.Range(0, n).Select(_ => random.Next(2)).ToArray();
        var pred = y.Select(v => random.NextDouble() < 0.8 ? v : 1 - v).ToArray();
        var r = Bootstrap.Interval(y, pred, (t, p) => Score.Accuracy(t, p), "accuracy", resamples: 1000, seed: 3);
        double acc = r.Value, se = Math.Sqrt(acc * (1 - acc) / n);
        Assert.InRange(r.StandardError / se, 0.9, 1.1);
        Assert.InRange((r.Upper - r.Lower) / (2 * 1.96 * se), 0.85, 1.15);
    }

    [Fact]
    public void Resamples_where_the_metric_is_undefined_are_skipped_and_counted()
    {
        var y = new[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
        var s = new[] { 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.9 };
        var r = Bootstrap.Interval(y, s, (t, p) => Score.RocAuc(t, p), "AUC", resamples: 200, seed: 1);
        Assert.True(r.Skipped > 0);
        Assert.Equal(200 - r.Skipped, r.Samples.Length);
    }
}

public class WilsonIntervalTests
{
    // Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score interval without continuity
    // correction), printed to four decimals.
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Wilson_interval_matches_Newcombes_published_table(int successes, int n, double lower, double upper)
    {
        var (lo, hi) = Score.WilsonInterval(successes, n);
        Assert.Equal(lower, lo, 4);
        Assert.Equal(upper, hi, 4);
    }

    [Fact]
    public void A_perfect_score_keeps_a_lower_bound_below_one()
    {
        var (lo, hi) = Score.WilsonInterval(143, 143);
        Assert.Equal(1.0, hi);
        Assert.InRange(lo, 0.97, 0.98);   // z² / (n + z²) = 3.84 / 146.84 below 1
        Assert.Equal(1 - 1.959963984540054 * 1.959963984540054 / (143 + 1.959963984540054 * 1.959963984540054), lo, 12);
    }

    [Fact]
    public void Impossible_counts_are_rejected_by_name()
    {
        Assert.Contains("successes", Assert.Throws<ArgumentException>(() => Score.WilsonInterval(5, 4)).Message);
        Assert.Contains("n must be positive", Assert.Throws<ArgumentException>(() => Score.WilsonInterval(0, 0)).Message);
    }
}

public class ThresholdTieTests
{
    // Scores: malignant 0.9 and 0.7, benign 0.4 and 0.2. Any threshold in (0.4, 0.7] separates them perfectly.
    static readonly int[] Y = [1, 1, 0, 0];
    static readonly double[] S = [0.9, 0.7, 0.4, 0.2];

    [Fact]
    public void A_chosen_threshold_knows_the_range_that_makes_the_same_calls()
    {
        foreach (var choice in new[] { Score.BestFBetaThreshold(Y, S), Score.YoudenThreshold(Y, S), Score.ThresholdForRecall(Y, S, 1.0) })
        {
            Assert.Equal(0.7, choice.Threshold);   // the edge: one malignant tumour's own score
            Assert.Equal(0.4, choice.Below);
            Assert.Equal(0.55, choice.Centered().Threshold, 12);
            Assert.Equal(choice.F1, choice.Centered().F1);
        }
    }

    [Fact]
    public void Centring_leaves_a_threshold_with_nothing_below_it_alone()
    {
        var lowest = Score.ThresholdForRecall([0, 1], [0.8, 0.3], 1.0);   // only the lowest score reaches recall 1
        Assert.Equal(0.3, lowest.Threshold);
        Assert.True(double.IsNaN(lowest.Below));
        Assert.Equal(lowest, lowest.Centered());
    }
}

public class MetricDisplayTests
{
    [Fact]
    public void Confusion_matrix_renders_as_a_heat_map_with_counts_and_row_percentages()
    {
        var cm = Score.ConfusionMatrix(new[] { 0, 0, 0, 1 }, new[] { 0, 0, 1, 1 }, classNames: ["benign", "malignant"]);
        var html = cm.ToDisplayString("text/html");
        Assert.Contains("benign", html);
        Assert.Contains("66.7%", html);
        Assert.Contains("background:rgba(", html);
        Assert.Equal((2.0, 1.0, 0.0, 1.0), cm.Binary);
    }

    [Fact]
    public void Roc_chart_has_auc_in_the_legend_the_chance_line_and_the_marked_threshold()
    {
        var marked = Score.RocCurve(new[] { 0, 0, 1, 1 }, new[] { 0.1, 0.4, 0.35, 0.8 }).Mark(0.4);
        var json = marked.ToFigure().ToJson();
        Assert.Contains("AUC = 0.750", json);
        Assert.Contains("chance", json);
        Assert.Contains("threshold 0.4", json);
        Assert.Equal((0.5, 0.5), marked.PointAt(0.4));
    }

    [Fact]
    public void Pr_chart_has_ap_in_the_legend_and_the_prevalence_line()
    {
        var pr = Score.PrecisionRecallCurve(new[] { 0, 0, 1, 1 }, new[] { 0.1, 0.4, 0.35, 0.8 });
        var json = pr.ToFigure().ToJson();
        Assert.Contains("AP = 0.833", json);
        Assert.Equal(0.5, pr.Prevalence);
        Assert.Contains("<script", pr.ToDisplayString("text/html"));
    }

    [Fact]
    public void Report_calibration_and_bootstrap_render()
    {
        var report = Score.ClassificationReport(new[] { 0, 1, 2, 2 }, new[] { 0, 2, 2, 2 }, targetNames: ["a", "b", "c"]);
        Assert.Contains("weighted avg", report.ToDisplayString("text/html"));
        var cal = Score.CalibrationCurve(new[] { 0, 1, 1, 0 }, new[] { 0.1, 0.9, 0.7, 0.3 }, bins: 2);
        Assert.Contains("Reliability diagram", cal.ToFigure().ToJson());
        var boot = new BootstrapResult("AUC", 0.9, 0.85, 0.95, 0.95, 100, 0, [0.9]);
        Assert.Equal("AUC = 0.9 (95% CI 0.85 to 0.95, 100 resamples)", boot.ToDisplayString("text/plain"));
    }
}
