using Microsoft.ML;
using Microsoft.ML.Data;
using NotebookKit.Metrics;

namespace NotebookKit.Tests.Metrics;

/// <summary>
/// ML.NET's BinaryClassification.Evaluate on the same predictions. Where the definitions agree the numbers must agree;
/// where they differ the test states how:
/// - Predicted labels: ML.NET thresholds the raw Score at 0 itself (it ignores a PredictedLabel column), so the
///   test passes a score of p - 0.5 and the kit's predictions are p > 0.5.
/// - LogLoss: ML.NET reports it in bits (log base 2), scikit-learn and the kit in nats, so ML.NET = kit / ln 2.
/// - AreaUnderPrecisionRecallCurve: ML.NET's is not scikit-learn's step-wise average precision with ties grouped;
///   it is only close (checked to 0.02), so it is not used as a reference.
/// </summary>
public class MlNetCrossCheckTests
{
    sealed class Row
    {
        public bool Label { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [Fact]
    public void Auc_accuracy_precision_recall_f1_and_log_loss_agree_with_MLNET()
    {
        var random = new Random(2024);
        int n = 2000;
        var y = Enumerable.Range(0, n).Select(_ => random.Next(3) == 0 ? 1 : 0).ToArray();
        // probabilities on a 1/100 grid so there are many ties
        var p = y.Select(v => (float)Math.Round(Math.Clamp(0.25 + 0.3 * v + 0.25 * (random.NextDouble() - 0.5) * 2, 0.01, 0.99), 2)).ToArray();
        var pd = p.Select(v => (double)v).ToArray();
        // ML.NET predicts positive when the raw Score > 0, so the score is p - 0.5 (same ranking as p).
        var pred = p.Select(v => v > 0.5f ? 1 : 0).ToArray();
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new Row { Label = y[i] == 1, Score = p[i] - 0.5f, Probability = p[i], PredictedLabel = pred[i] == 1 }));
        var m = ml.BinaryClassification.Evaluate(data);

        Assert.Equal(Score.RocAuc(y, pd), m.AreaUnderRocCurve, 10);
        Assert.Equal(Score.Accuracy(y, pred), m.Accuracy, 10);
        Assert.Equal(Score.Precision(y, pred), m.PositivePrecision, 10);
        Assert.Equal(Score.Recall(y, pred), m.PositiveRecall, 10);
        Assert.Equal(Score.Precision(y, pred, posLabel: 0), m.NegativePrecision, 10);
        Assert.Equal(Score.F1(y, pred), m.F1Score, 10);
        Assert.Equal(Score.LogLoss(y, pd) / Math.Log(2), m.LogLoss, 6);
        Assert.True(Math.Abs(Score.AveragePrecision(y, pd) - m.AreaUnderPrecisionRecallCurve) < 0.02,
            $"AP {Score.AveragePrecision(y, pd)} vs ML.NET AUPRC {m.AreaUnderPrecisionRecallCurve}");
    }
}
