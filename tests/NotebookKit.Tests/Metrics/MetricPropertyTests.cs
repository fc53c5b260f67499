using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NotebookKit.Metrics;

namespace NotebookKit.Tests.Metrics;

/// <summary>Laws every correct implementation obeys, on data FsCheck generates (ties are frequent: scores on a 1/20 grid).</summary>
public class MetricPropertyTests
{
    public sealed record BinaryData(int[] Y, double[] Scores, double[] Weights, int Seed)
    {
        public override string ToString() => $"y=[{string.Join(",", Y)}] s=[{string.Join(",", Scores)}] w=[{string.Join(",", Weights)}]";
    }

    public static class Generators
    {
        public static Arbitrary<BinaryData> Binary() =>
            (from n in Gen.Choose(2, 40)
             from y in Gen.Choose(0, 1).ArrayOf(n)
             from s in Gen.Choose(0, 20).Select(v => v / 20.0).ArrayOf(n)
             from w in Gen.Choose(1, 4).Select(v => (double)v).ArrayOf(n)
             from seed in Gen.Choose(0, 1_000_000)
             select new BinaryData(y, s, w, seed))
            .Where(d => d.Y.Contains(0) && d.Y.Contains(1))
            .ToArbitrary();
    }

    static int[] Permutation(int n, int seed)
    {
        var p = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(p);
        return p;
    }

    static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a));

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 200)]
    public bool RocAuc_of_negated_scores_is_one_minus_RocAuc(BinaryData d) =>
        Close(Score.RocAuc(d.Y, d.Scores.Select(s => -s).ToArray()), 1 - Score.RocAuc(d.Y, d.Scores));

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 200)]
    public bool RocAuc_is_the_probability_a_positive_outranks_a_negative_with_ties_counting_half(BinaryData d)
    {
        double wins = 0, pairs = 0;
        for (int i = 0; i < d.Y.Length; i++)
            for (int j = 0; j < d.Y.Length; j++)
                if (d.Y[i] == 1 && d.Y[j] == 0)
                {
                    pairs++;
                    wins += d.Scores[i] > d.Scores[j] ? 1 : d.Scores[i] == d.Scores[j] ? 0.5 : 0;
                }
        return Close(Score.RocAuc(d.Y, d.Scores), wins / pairs);
    }

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 200)]
    public bool Metrics_do_not_depend_on_the_order_of_the_samples(BinaryData d)
    {
        var p = Permutation(d.Y.Length, d.Seed);
        var y = p.Select(i => d.Y[i]).ToArray();
        var s = p.Select(i => d.Scores[i]).ToArray();
        var w = p.Select(i => d.Weights[i]).ToArray();
        var pred = d.Scores.Select(v => v >= 0.5 ? 1 : 0).ToArray();
        var predP = p.Select(i => pred[i]).ToArray();
        return Close(Score.RocAuc(d.Y, d.Scores, d.Weights), Score.RocAuc(y, s, w))
            && Close(Score.AveragePrecision(d.Y, d.Scores, sampleWeight: d.Weights), Score.AveragePrecision(y, s, sampleWeight: w))
            && Close(Score.F1(d.Y, pred, sampleWeight: d.Weights), Score.F1(y, predP, sampleWeight: w))
            && Close(Score.MatthewsCorrCoef(d.Y, pred), Score.MatthewsCorrCoef(y, predP))
            && Close(Score.BrierScore(d.Y, d.Scores), Score.BrierScore(y, s));
    }

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 200)]
    public bool A_weight_of_two_equals_a_duplicated_row(BinaryData d)
    {
        int k = d.Seed % d.Y.Length;
        var w = Enumerable.Repeat(1.0, d.Y.Length).ToArray();
        w[k] = 2;
        var y2 = d.Y.Append(d.Y[k]).ToArray();
        var s2 = d.Scores.Append(d.Scores[k]).ToArray();
        var pred = d.Scores.Select(v => v >= 0.5 ? 1 : 0).ToArray();
        var pred2 = s2.Select(v => v >= 0.5 ? 1 : 0).ToArray();
        return Close(Score.RocAuc(d.Y, d.Scores, w), Score.RocAuc(y2, s2))
            && Close(Score.AveragePrecision(d.Y, d.Scores, sampleWeight: w), Score.AveragePrecision(y2, s2))
            && Close(Score.F1(d.Y, pred, sampleWeight: w), Score.F1(y2, pred2))
            && Close(Score.Accuracy(d.Y, pred, w), Score.Accuracy(y2, pred2))
            && Close(Score.MeanSquaredError(d.Scores, d.Y.Select(v => (double)v).ToArray(), w), Score.MeanSquaredError(s2, y2.Select(v => (double)v).ToArray()));
    }

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 200)]
    public bool Precision_recall_and_F1_lie_in_0_1_and_F1_never_exceeds_their_mean(BinaryData d)
    {
        var pred = d.Scores.Select(v => v >= 0.5 ? 1 : 0).ToArray();
        double p = Score.Precision(d.Y, pred), r = Score.Recall(d.Y, pred), f = Score.F1(d.Y, pred);
        return p is >= 0 and <= 1 && r is >= 0 and <= 1 && f >= 0 && f <= (p + r) / 2 + 1e-15 && f <= Math.Max(p, r) + 1e-15;
    }

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 100)]
    public bool Streaming_confusion_over_batches_equals_the_whole_set(BinaryData d)
    {
        var pred = d.Scores.Select(v => v >= 0.5 ? 1 : 0).ToArray();
        var stream = new StreamingConfusion();
        for (int start = 0; start < d.Y.Length; start += 7)
        {
            int len = Math.Min(7, d.Y.Length - start);
            stream.Update(d.Y.AsSpan(start, len), pred.AsSpan(start, len));
        }
        return Close(stream.F1(), Score.F1(d.Y, pred)) && Close(stream.Accuracy(), Score.Accuracy(d.Y, pred))
            && Close(stream.Precision(Average.Macro), Score.Precision(d.Y, pred, Average.Macro));
    }

    [Property(Arbitrary = [typeof(Generators)], MaxTest = 100)]
    public bool Streaming_auc_is_the_exact_auc_of_scores_rounded_to_its_bins(BinaryData d)
    {
        var stream = new StreamingAuc(bins: 10);
        stream.Update(d.Y, d.Scores);
        var binned = d.Scores.Select(s => (double)stream.BinOf(s)).ToArray();
        return Close(stream.Compute(), Score.RocAuc(d.Y, binned));
    }
}
