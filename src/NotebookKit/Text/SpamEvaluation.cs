using System.Globalization;
using NotebookKit.Display;
using NotebookKit.Metrics;

namespace NotebookKit.Text;

/// <summary>What a threshold costs: flag a message as spam when P(spam) >= <see cref="Threshold"/>.</summary>
public sealed record CostedThreshold(double Threshold, int MissedSpam, int BlockedHam, double TotalCost, int Messages)
{
    public double CostPerThousand => 1000 * TotalCost / Messages;
}

/// <summary>One bin of <see cref="SpamEvaluation.ErrorsByLength"/>.</summary>
public sealed record LengthBin(string Bin, int Messages, int Errors, int Spam)
{
    public double ErrorRate => Messages == 0 ? double.NaN : (double)Errors / Messages;
}

/// <summary>
/// Decisions and error analysis for an imbalanced text classifier (10-text-classification-case-study): a threshold
/// from stated costs instead of 0.5, the messages it gets wrong, and where (by length) the errors are.
/// </summary>
public static class SpamEvaluation
{
    /// <summary>
    /// The threshold with the lowest total cost <c>missCost · missed spam + blockCost · blocked ham</c> on these
    /// (validation) messages, among all distinct probabilities and "never flag". Ties go to the highest threshold
    /// (fewest blocked messages). Choose it on validation data and report its cost on test data once.
    /// </summary>
    public static CostedThreshold ChooseThreshold(int[] yTrue, double[] probabilities, double missCost, double blockCost)
    {
        Validate(yTrue, probabilities, missCost, blockCost);
        var candidates = probabilities.Distinct().OrderDescending().Prepend(double.PositiveInfinity);
        CostedThreshold? best = null;
        foreach (var t in candidates)
        {
            var c = CostAt(yTrue, probabilities, t, missCost, blockCost);
            if (best is null || c.TotalCost < best.TotalCost) best = c;
        }
        return best!;
    }

    /// <summary>The cost of flagging messages with P(spam) >= <paramref name="threshold"/>.</summary>
    public static CostedThreshold CostAt(int[] yTrue, double[] probabilities, double threshold, double missCost, double blockCost)
    {
        Validate(yTrue, probabilities, missCost, blockCost);
        int missed = 0, blocked = 0;
        for (int i = 0; i < yTrue.Length; i++)
        {
            bool flagged = probabilities[i] >= threshold;
            if (yTrue[i] == 1 && !flagged) missed++;
            if (yTrue[i] == 0 && flagged) blocked++;
        }
        return new CostedThreshold(threshold, missed, blocked, missCost * missed + blockCost * blocked, yTrue.Length);
    }

    /// <summary>Error rate per bin of message length in characters; <paramref name="edges"/> are the bins' upper bounds.</summary>
    public static LengthBin[] ErrorsByLength(IReadOnlyList<string> texts, int[] yTrue, int[] yPred, int[] edges)
    {
        if (texts.Count != yTrue.Length || yTrue.Length != yPred.Length)
            throw new ArgumentException($"texts ({texts.Count}), yTrue ({yTrue.Length}) and yPred ({yPred.Length}) must have the same length.");
        if (edges.Length == 0 || edges.Zip(edges.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("edges must be a non-empty increasing list of upper bounds.", nameof(edges));
        var bins = new List<LengthBin>();
        int lower = 0;
        foreach (int upper in edges.Append(int.MaxValue))
        {
            var rows = Enumerable.Range(0, texts.Count).Where(i => texts[i].Length >= lower && texts[i].Length < upper).ToArray();
            string label = upper == int.MaxValue ? $"{lower}+" : $"{lower}-{upper - 1}";
            bins.Add(new LengthBin(label, rows.Length, rows.Count(i => yTrue[i] != yPred[i]), rows.Count(i => yTrue[i] == 1)));
            lower = upper;
        }
        return bins.ToArray();
    }

    /// <summary>A bar chart of error rate by length, with the number of messages in each bin on its bar.</summary>
    public static Figure ErrorRateChart(IReadOnlyList<LengthBin> bins, string title = "Test error rate by message length") =>
        new Figure(new Bar
        {
            X = bins.Select(b => b.Bin).ToArray(),
            Y = bins.Select(b => b.ErrorRate).ToArray(),
            Text = bins.Select(b => $"{b.Errors}/{b.Messages}").ToArray(),
        }).WithTitle(title, "length in characters", "error rate");

    /// <summary>
    /// The misclassified messages, most confident mistakes first: sorted by the probability the model gave the wrong
    /// label (P(spam) for a blocked real message, 1 − P(spam) for a missed spam), at most <paramref name="max"/> of each
    /// kind, so blocked real messages are never crowded out by the more numerous missed spam.
    /// </summary>
    public static HtmlTable Misclassified(IReadOnlyList<string> texts, int[] yTrue, double[] probabilities, double threshold, int max = 6)
    {
        Validate(yTrue, probabilities, 1, 1);
        if (texts.Count != yTrue.Length) throw new ArgumentException($"{texts.Count} texts for {yTrue.Length} labels.", nameof(texts));
        var table = new HtmlTable(["error", "P(spam)", "confidence in the wrong label", "message"]);
        double WrongConfidence(int i) => yTrue[i] == 1 ? 1 - probabilities[i] : probabilities[i];
        var wrong = Enumerable.Range(0, texts.Count).Where(i => (probabilities[i] >= threshold ? 1 : 0) != yTrue[i]);
        var shown = wrong.GroupBy(i => yTrue[i]).SelectMany(g => g.OrderByDescending(WrongConfidence).Take(max))
            .OrderByDescending(WrongConfidence);
        foreach (int i in shown)
            table.AddRow(yTrue[i] == 1 ? "missed spam" : "blocked ham", probabilities[i].ToString("0.000", CultureInfo.InvariantCulture),
                WrongConfidence(i).ToString("0.000", CultureInfo.InvariantCulture), texts[i]);
        return table;
    }

    /// <summary>
    /// Paired bootstrap of AP(a) − AP(b) on the same messages: each resample draws the same rows for both models, so
    /// the interval is for the difference itself. An interval that contains 0 means these messages cannot tell the
    /// two models apart.
    /// </summary>
    public static BootstrapResult ApDifference(int[] yTrue, double[] a, double[] b, int resamples = 1000, int seed = 42)
    {
        Validate(yTrue, a, 1, 1);
        Validate(yTrue, b, 1, 1);
        var rows = Enumerable.Range(0, yTrue.Length).ToArray();
        double Difference(int[] picked, double[] unused) =>
            Score.AveragePrecision(picked.Select(i => yTrue[i]).ToArray(), picked.Select(i => a[i]).ToArray())
            - Score.AveragePrecision(picked.Select(i => yTrue[i]).ToArray(), picked.Select(i => b[i]).ToArray());
        return Bootstrap.Interval(rows, new double[rows.Length], Difference, "AP difference", resamples, seed: seed);
    }

    static void Validate(int[] yTrue, double[] probabilities, double missCost, double blockCost)
    {
        if (yTrue.Length != probabilities.Length)
            throw new ArgumentException($"yTrue has {yTrue.Length} labels but there are {probabilities.Length} probabilities.");
        if (yTrue.Length == 0) throw new ArgumentException("No messages to evaluate.");
        if (yTrue.Any(y => y is not (0 or 1))) throw new ArgumentException("Labels must be 0 (ham) or 1 (spam).");
        if (probabilities.Any(p => !(p is >= 0 and <= 1))) throw new ArgumentException("Probabilities must be in [0, 1] (NaN is not).");
        if (!(missCost > 0) || !(blockCost > 0) || !double.IsFinite(missCost) || !double.IsFinite(blockCost))
            throw new ArgumentException($"Costs must be positive and finite, got miss {missCost} and block {blockCost}.");
    }
}
