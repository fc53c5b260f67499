using System.Text.Json;
using NotebookKit.Metrics;

namespace NotebookKit.Tests.Metrics;

/// <summary>
/// Every case in reference/sklearn_reference.json (made by reference/generate_reference.py with scikit-learn 1.2.1)
/// must match to 1e-12 relative, curves element by element.
/// </summary>
public class SklearnReferenceTests
{
    static readonly Lazy<Dictionary<string, JsonElement>> Cases = new(() =>
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "NotebookKit.Tests", "Metrics", "reference", "sklearn_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.Clone());
    });

    public static IEnumerable<object[]> CaseNames() => Cases.Value.Keys.Select(k => new object[] { k });

    [Fact]
    public void The_reference_file_covers_every_metric_family()
    {
        var fns = Cases.Value.Values.Select(c => c.GetProperty("fn").GetString()).ToHashSet();
        foreach (var fn in new[] { "accuracy", "prfs", "jaccard", "confusion_matrix", "roc_curve", "roc_auc", "roc_auc_mc", "pr_curve", "average_precision", "det_curve", "mse", "r2", "calibration_curve", "thresholds", "top_k", "log_loss_mc", "brier" })
            Assert.Contains(fn, fns);
        Assert.True(Cases.Value.Count > 300);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_scikit_learn(string name)
    {
        var c = Cases.Value[name];
        var a = c.GetProperty("args");
        var e = c.GetProperty("expected");
        string fn = c.GetProperty("fn").GetString()!;
        switch (fn)
        {
            case "accuracy": Near(e, Score.Accuracy(I(a, "y_true"), I(a, "y_pred"), W(a))); break;
            case "accuracy_count": Near(e, Score.Accuracy(I(a, "y_true"), I(a, "y_pred"), W(a), normalize: false)); break;
            case "hamming_loss": Near(e, Score.HammingLoss(I(a, "y_true"), I(a, "y_pred"), W(a))); break;
            case "balanced_accuracy": Near(e, Score.BalancedAccuracy(I(a, "y_true"), I(a, "y_pred"), W(a), a.GetProperty("adjusted").GetBoolean())); break;
            case "matthews_corrcoef": Near(e, Score.MatthewsCorrCoef(I(a, "y_true"), I(a, "y_pred"), W(a))); break;
            case "cohen_kappa":
                var kw = Str(a, "weights") switch { "linear" => KappaWeights.Linear, "quadratic" => KappaWeights.Quadratic, _ => KappaWeights.None };
                Near(e, Score.CohenKappa(I(a, "y_true"), I(a, "y_pred"), weights: kw, sampleWeight: W(a)));
                break;
            case "prfs":
            {
                var avg = Avg(a);
                double beta = a.GetProperty("beta").GetDouble(), zd = a.GetProperty("zero_division").GetDouble();
                if (avg == Average.None)
                {
                    var r = Score.PrecisionRecallFScoreSupport(I(a, "y_true"), I(a, "y_pred"), beta, sampleWeight: W(a), zeroDivision: zd);
                    Near(e.GetProperty("p"), r.Precision); Near(e.GetProperty("r"), r.Recall); Near(e.GetProperty("f"), r.FScore); Near(e.GetProperty("support"), r.Support);
                }
                else
                {
                    Near(e.GetProperty("p"), Score.Precision(I(a, "y_true"), I(a, "y_pred"), avg, sampleWeight: W(a), zeroDivision: zd));
                    Near(e.GetProperty("r"), Score.Recall(I(a, "y_true"), I(a, "y_pred"), avg, sampleWeight: W(a), zeroDivision: zd));
                    Near(e.GetProperty("f"), Score.FBeta(I(a, "y_true"), I(a, "y_pred"), beta, avg, sampleWeight: W(a), zeroDivision: zd));
                    if (beta == 1) Near(e.GetProperty("f"), Score.F1(I(a, "y_true"), I(a, "y_pred"), avg, sampleWeight: W(a), zeroDivision: zd));
                }
                break;
            }
            case "prfs_labels":
            {
                var avg = Avg(a);
                var labels = I(a, "labels");
                if (avg == Average.None)
                {
                    var r = Score.PrecisionRecallFScoreSupport(I(a, "y_true"), I(a, "y_pred"), labels: labels);
                    Near(e.GetProperty("p"), r.Precision); Near(e.GetProperty("r"), r.Recall); Near(e.GetProperty("f"), r.FScore); Near(e.GetProperty("support"), r.Support);
                }
                else
                {
                    Near(e.GetProperty("p"), Score.Precision(I(a, "y_true"), I(a, "y_pred"), avg, labels: labels));
                    Near(e.GetProperty("r"), Score.Recall(I(a, "y_true"), I(a, "y_pred"), avg, labels: labels));
                    Near(e.GetProperty("f"), Score.F1(I(a, "y_true"), I(a, "y_pred"), avg, labels: labels));
                }
                break;
            }
            case "prfs_pos": Near(e.GetProperty("f"), Score.F1(I(a, "y_true"), I(a, "y_pred"), posLabel: a.GetProperty("pos_label").GetInt32())); break;
            case "jaccard":
            {
                var avg = Avg(a);
                double zd = a.GetProperty("zero_division").GetDouble();
                if (avg == Average.None) Near(e, Score.JaccardPerClass(I(a, "y_true"), I(a, "y_pred"), sampleWeight: W(a), zeroDivision: zd));
                else Near(e, Score.JaccardScore(I(a, "y_true"), I(a, "y_pred"), avg, sampleWeight: W(a), zeroDivision: zd));
                break;
            }
            case "confusion_matrix":
            {
                var normalize = Str(a, "normalize") switch { "true" => ConfusionNormalize.True, "pred" => ConfusionNormalize.Pred, "all" => ConfusionNormalize.All, _ => ConfusionNormalize.None };
                var labels = a.GetProperty("labels").ValueKind == JsonValueKind.Null ? null : I(a, "labels");
                var cm = Score.ConfusionMatrix(I(a, "y_true"), I(a, "y_pred"), labels, W(a), normalize);
                Near(e, Flatten(cm.Values));
                Assert.Equal(e.GetArrayLength(), cm.Size);
                break;
            }
            case "classification_report": Report(e, Score.ClassificationReport(I(a, "y_true"), I(a, "y_pred"), sampleWeight: W(a)), true); break;
            case "classification_report_labels": Report(e, Score.ClassificationReport(I(a, "y_true"), I(a, "y_pred"), labels: I(a, "labels")), false); break;
            case "top_k": Near(e, Score.TopKAccuracy(I(a, "y_true"), M(a, "y_score"), a.GetProperty("k").GetInt32(), sampleWeight: W(a))); break;
            case "log_loss_mc": Near(e, Score.LogLoss(I(a, "y_true"), M(a, "y_prob"), W(a))); break;
            case "log_loss_bin": Near(e, Score.LogLoss(I(a, "y_true"), D(a, "y_prob"), W(a))); break;
            case "brier": Near(e, Score.BrierScore(I(a, "y_true"), D(a, "y_prob"), W(a))); break;
            case "roc_curve":
            {
                var r = Score.RocCurve(I(a, "y_true"), D(a, "y_score"), sampleWeight: W(a), dropIntermediate: a.GetProperty("drop_intermediate").GetBoolean());
                Near(e.GetProperty("fpr"), r.Fpr); Near(e.GetProperty("tpr"), r.Tpr); Near(e.GetProperty("thresholds"), r.Thresholds);
                break;
            }
            case "roc_curve_pos":
            {
                var r = Score.RocCurve(I(a, "y_true"), D(a, "y_score"), posLabel: a.GetProperty("pos_label").GetInt32());
                Near(e.GetProperty("fpr"), r.Fpr); Near(e.GetProperty("tpr"), r.Tpr); Near(e.GetProperty("thresholds"), r.Thresholds);
                break;
            }
            case "roc_auc": Near(e, Score.RocAuc(I(a, "y_true"), D(a, "y_score"), W(a))); break;
            case "roc_auc_mc":
                Near(e, Score.RocAuc(I(a, "y_true"), M(a, "y_score"), Str(a, "multi_class") == "ovo" ? MultiClassAuc.OvO : MultiClassAuc.OvR,
                    Str(a, "average") == "weighted" ? Average.Weighted : Average.Macro, sampleWeight: W(a)));
                break;
            case "roc_auc_mc_none": Near(e, Score.RocAucPerClass(I(a, "y_true"), M(a, "y_score"))); break;
            case "pr_curve":
            {
                var r = Score.PrecisionRecallCurve(I(a, "y_true"), D(a, "y_score"), sampleWeight: W(a));
                Near(e.GetProperty("precision"), r.Precision); Near(e.GetProperty("recall"), r.Recall); Near(e.GetProperty("thresholds"), r.Thresholds);
                break;
            }
            case "average_precision": Near(e, Score.AveragePrecision(I(a, "y_true"), D(a, "y_score"), sampleWeight: W(a))); break;
            case "average_precision_pos": Near(e, Score.AveragePrecision(I(a, "y_true"), D(a, "y_score"), posLabel: a.GetProperty("pos_label").GetInt32())); break;
            case "det_curve":
            {
                var r = Score.DetCurve(I(a, "y_true"), D(a, "y_score"), sampleWeight: W(a));
                Near(e.GetProperty("fpr"), r.Fpr); Near(e.GetProperty("fnr"), r.Fnr); Near(e.GetProperty("thresholds"), r.Thresholds);
                break;
            }
            case "mse": Near(e, Score.MeanSquaredError(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "rmse": Near(e, Score.RootMeanSquaredError(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "mae": Near(e, Score.MeanAbsoluteError(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "median_ae": Near(e, Score.MedianAbsoluteError(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "mape": Near(e, Score.MeanAbsolutePercentageError(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "r2": Near(e, Score.R2(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "explained_variance": Near(e, Score.ExplainedVariance(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "msle": Near(e, Score.MeanSquaredLogError(D(a, "y_true"), D(a, "y_pred"), W(a))); break;
            case "max_error": Near(e, Score.MaxError(D(a, "y_true"), D(a, "y_pred"))); break;
            case "calibration_curve":
            {
                var r = Score.CalibrationCurve(I(a, "y_true"), D(a, "y_prob"), a.GetProperty("n_bins").GetInt32(), Str(a, "strategy") == "quantile" ? BinStrategy.Quantile : BinStrategy.Uniform);
                Near(e.GetProperty("prob_true"), r.ProbTrue); Near(e.GetProperty("prob_pred"), r.ProbPred); Near(e.GetProperty("counts"), r.Counts);
                Near(e.GetProperty("ece"), r.ExpectedCalibrationError);
                break;
            }
            case "thresholds":
            {
                int[] y = I(a, "y_true"); double[] s = D(a, "y_score");
                Near(e.GetProperty("youden"), Score.YoudenThreshold(y, s).Threshold);
                Near(e.GetProperty("best_f1"), Score.BestFBetaThreshold(y, s).Threshold);
                Near(e.GetProperty("precision_0.8"), Score.ThresholdForPrecision(y, s, 0.8).Threshold);
                Near(e.GetProperty("recall_0.9"), Score.ThresholdForRecall(y, s, 0.9).Threshold);
                break;
            }
            case "percentile": Near(e, Score.Percentiles(D(a, "values"), D(a, "q"))); break;
            default: throw new InvalidOperationException($"No dispatcher for reference function '{fn}'.");
        }
    }

    static void Report(JsonElement e, ClassificationReport report, bool hasAccuracy)
    {
        foreach (var row in report.Classes)
        {
            var x = e.GetProperty(row.Name);
            Near(x.GetProperty("precision"), row.Precision); Near(x.GetProperty("recall"), row.Recall);
            Near(x.GetProperty("f1-score"), row.F1); Near(x.GetProperty("support"), row.Support);
        }
        if (hasAccuracy) Near(e.GetProperty("accuracy"), report.Accuracy!.Value);
        else Near(e.GetProperty("micro avg").GetProperty("f1-score"), report.MicroAverage!.F1);
        foreach (var (key, row) in new[] { ("macro avg", report.MacroAverage), ("weighted avg", report.WeightedAverage) })
        {
            var x = e.GetProperty(key);
            Near(x.GetProperty("precision"), row.Precision); Near(x.GetProperty("recall"), row.Recall);
            Near(x.GetProperty("f1-score"), row.F1); Near(x.GetProperty("support"), row.Support);
        }
    }

    static Average Avg(JsonElement a) => Str(a, "average") switch
    {
        "binary" => Average.Binary, "micro" => Average.Micro, "macro" => Average.Macro, "weighted" => Average.Weighted, null => Average.None,
        var s => throw new InvalidOperationException(s),
    };

    static string? Str(JsonElement a, string key) => a.GetProperty(key).ValueKind == JsonValueKind.Null ? null : a.GetProperty(key).GetString();
    static int[] I(JsonElement a, string key) => a.GetProperty(key).EnumerateArray().Select(v => v.GetInt32()).ToArray();
    static double[] D(JsonElement a, string key) => a.GetProperty(key).EnumerateArray().Select(Num).ToArray();
    static double[]? W(JsonElement a) => a.TryGetProperty("sample_weight", out var w) && w.ValueKind != JsonValueKind.Null ? w.EnumerateArray().Select(Num).ToArray() : null;
    static double[,] M(JsonElement a, string key)
    {
        var rows = a.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(Num).ToArray()).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < rows[0].Length; j++) m[i, j] = rows[i][j];
        return m;
    }
    static double Num(JsonElement v) => v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetDouble();
    static double[] Flatten(double[,] m) => m.Cast<double>().ToArray();

    static void Near(JsonElement expected, double actual)
    {
        if (expected.ValueKind == JsonValueKind.Array) { Near(expected, new[] { actual }); return; }
        Near(Num(expected), actual, "");
    }

    static void Near(JsonElement expected, double[] actual)
    {
        var flat = new List<double>();
        void Walk(JsonElement x) { if (x.ValueKind == JsonValueKind.Array) foreach (var y in x.EnumerateArray()) Walk(y); else flat.Add(Num(x)); }
        Walk(expected);
        Assert.True(flat.Count == actual.Length, $"expected {flat.Count} values, got {actual.Length}");
        for (int i = 0; i < actual.Length; i++) Near(flat[i], actual[i], $" at [{i}]");
    }

    static void Near(double expected, double actual, string where)
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), $"expected NaN{where}, got {actual}"); return; }
        double tolerance = Math.Max(1e-12 * Math.Abs(expected), 1e-15); // relative, with a floor for values that are 0
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}{where}, got {actual:R} (difference {expected - actual:E3})");
    }
}
