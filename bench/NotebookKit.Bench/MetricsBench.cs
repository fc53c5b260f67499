using NotebookKit.Metrics;
using static TorchSharp.torch;

namespace NotebookKit.Bench;

/// <summary>
/// Metrics on 10 million samples (1 million with --quick), the kit beside scikit-learn 1.2.1 on the same data in the
/// same run. Targets (issue 3): ROC AUC and average precision <= 0.7 s and >= 10x faster than scikit-learn;
/// F1 / confusion matrix <= 50 ms.
/// </summary>
public sealed class MetricsBench : IBenchmarkGroup
{
    public string Name => "metrics";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        int n = options.Quick ? 1_000_000 : 10_000_000;
        var random = new Random(123);
        var y = new int[n];
        var pred = new int[n];
        var scores = new double[n];
        var yMc = new int[n];
        var predMc = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = random.Next(4) == 0 ? 1 : 0;                       // 25 % positives
            scores[i] = Math.Clamp(0.3 * y[i] + 0.7 * random.NextDouble(), 0, 1);
            if (i % 10 == 0) scores[i] = Math.Round(scores[i], 3);    // some ties
            pred[i] = scores[i] >= 0.5 ? 1 : 0;
            yMc[i] = random.Next(10);
            predMc[i] = random.Next(10) < 7 ? yMc[i] : random.Next(10);
        }
        var folder = Path.Combine(Path.GetTempPath(), $"nbkit-metrics-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            Write(folder, "y_true.i32", y); Write(folder, "y_pred.i32", pred); Write(folder, "scores.f64", scores);
            Write(folder, "y_true_mc.i32", yMc); Write(folder, "y_pred_mc.i32", predMc);
            var sk = Measure.PythonAnchor(options, "metrics.py", folder, options.Quick ? "1" : "2");
            string size = options.Quick ? "1M" : "10M";
            var results = new List<BenchResult>();

            double auc = 0, ap = 0, f1 = 0, f1Macro = 0;
            int rocPoints = 0;
            double cmTp = 0;
            results.Add(Row($"RocAuc, {size} scores", Measure.Best(() => auc = Score.RocAuc(y, scores), 3), sk, "roc_auc", auc));
            results.Add(Row($"AveragePrecision, {size} scores", Measure.Best(() => ap = Score.AveragePrecision(y, scores), 3), sk, "average_precision", ap));
            results.Add(Row($"RocCurve, {size} scores", Measure.Best(() => rocPoints = Score.RocCurve(y, scores).Fpr.Length, 3), sk, "roc_curve", rocPoints));
            results.Add(Row($"F1 (binary), {size} labels", Measure.Best(() => f1 = Score.F1(y, pred), 5), sk, "f1", f1));
            results.Add(Row($"ConfusionMatrix, {size} labels", Measure.Best(() => cmTp = Score.ConfusionMatrix(y, pred).Counts[1, 1], 5), sk, "confusion_matrix", cmTp));
            results.Add(Row($"F1 macro, 10 classes, {size} labels", Measure.Best(() => f1Macro = Score.F1(yMc, predMc, Average.Macro), 5), sk, "f1_macro_10_classes", f1Macro));

            // The tensor path (torch.sort + cumsum on the tensor's device), for reference; no anchor.
            using (var ty = tensor(y.Select(v => (long)v).ToArray()))
            using (var ts = tensor(scores))
            {
                double tauc = 0;
                double seconds = Measure.Best(() => tauc = Score.RocAuc(ty, ts), 1);
                results.Add(new BenchResult($"RocAuc on a CPU tensor, {size}", seconds, null, "-", $"|diff| to array path {Math.Abs(tauc - auc):0.0e+0}"));
            }
            return results;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static BenchResult Row(string name, double kit, Dictionary<string, double> sk, string key, double kitValue)
    {
        double skValue = sk[key + "/value"];
        double rel = Math.Abs(kitValue - skValue) / Math.Max(1e-300, Math.Abs(skValue));
        return new BenchResult(name, kit, sk[key], "scikit-learn 1.2.1", $"same value (rel. diff {rel:0.0e+0})".Replace("rel. diff 0.0e+0", "identical"));
    }

    static void Write<T>(string folder, string file, T[] values) where T : unmanaged
    {
        using var stream = File.Create(Path.Combine(folder, file));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
