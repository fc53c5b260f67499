using NotebookKit.Display;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>Per-feature scores with names; renders as a sorted table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class FeatureScores(IReadOnlyList<string> names, double[] scores, double[]? spread, string scoreName, string? spreadName = null) : IRichDisplay
{
    public IReadOnlyList<string> Names { get; } = names;
    public double[] Scores { get; } = scores;
    /// <summary>A second column per feature: p-value (ANOVA) or standard deviation over repeats (permutation).</summary>
    public double[]? Spread { get; } = spread;

    /// <summary>Indices of the <paramref name="k"/> highest-scoring features, best first.</summary>
    public int[] Top(int k) => Enumerable.Range(0, Scores.Length).OrderByDescending(i => double.IsNaN(Scores[i]) ? double.NegativeInfinity : Scores[i]).Take(k).ToArray();

    public HtmlTable Table(int? top = null)
    {
        var columns = new List<string> { "feature", scoreName };
        if (Spread is not null) columns.Add(spreadName ?? "spread");
        var table = new HtmlTable(columns);
        foreach (var i in Top(top ?? Scores.Length))
            table.AddRow(Spread is null ? [Names[i], Scores[i]] : [Names[i], Scores[i], Spread[i]]);
        return table;
    }

    /// <summary>
    /// A horizontal bar per feature, best at the top; the label axis widens to fit the longest name and the chart
    /// grows with the number of bars.
    /// </summary>
    public Figure Chart(int top = 15)
    {
        var best = Enumerable.Reverse(Top(top)).ToArray();
        var figure = new Figure(new Bar { X = best.Select(i => Scores[i]).ToArray(), Y = best.Select(i => Names[i]).ToArray(), Orientation = "h" })
            .WithTitle(scoreName + " per feature", scoreName);
        figure.Layout.YAxis = new Axis { Type = "category", Extra = { ["automargin"] = true } };
        figure.Layout.Height = Math.Max(300, 120 + 28 * best.Length);
        return figure;
    }

    public string ToHtml() => Table(20).ToHtml();
    public string ToPlainText() => Table(20).ToPlainText();
}

/// <summary>Univariate and model-based feature scoring.</summary>
public static class FeatureScoring
{
    /// <summary>
    /// ANOVA F statistic per feature (scikit-learn f_classif): F = [Σ_k n_k (m_k - m)² / (K - 1)] / [Σ_k Σ_{i∈k} (x_i - m_k)² / (n - K)],
    /// between-class over within-class variance; the p-value is the upper tail of F(K - 1, n - K).
    /// A constant feature gets F = NaN, as in scikit-learn.
    /// </summary>
    public static FeatureScores AnovaF(Tensor x, Tensor labels, IReadOnlyList<string>? names = null)
    {
        if (x.dim() != 2) throw new ArgumentException($"x must be [n, d], got [{string.Join(", ", x.shape)}].", nameof(x));
        if (labels.shape[0] != x.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but labels has {labels.shape[0]}.", nameof(labels));
        int n = (int)x.shape[0], d = (int)x.shape[1];
        var values = x.cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var y = labels.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        var classes = y.Distinct().Order().ToArray();
        int k = classes.Length;
        if (k < 2) throw new ArgumentException("ANOVA F needs at least two classes.", nameof(labels));
        if (n <= k) throw new ArgumentException($"ANOVA F needs more rows ({n}) than classes ({k}).", nameof(x));
        var f = new double[d];
        var p = new double[d];
        for (int j = 0; j < d; j++)
        {
            double grand = 0;
            for (int i = 0; i < n; i++) grand += values[i * d + j];
            grand /= n;
            double between = 0, within = 0;
            foreach (var c in classes)
            {
                double sum = 0; int count = 0;
                for (int i = 0; i < n; i++) if (y[i] == c) { sum += values[i * d + j]; count++; }
                double mean = sum / count;
                between += count * (mean - grand) * (mean - grand);
                for (int i = 0; i < n; i++) if (y[i] == c) within += (values[i * d + j] - mean) * (values[i * d + j] - mean);
            }
            f[j] = between / (k - 1) / (within / (n - k));
            p[j] = double.IsNaN(f[j]) ? double.NaN : SpecialFunctions.FUpperTail(f[j], k - 1, n - k);
        }
        return new FeatureScores(names ?? Enumerable.Range(0, d).Select(j => $"x{j}").ToArray(), f, p, "ANOVA F", "p-value");
    }

    /// <summary>
    /// Permutation importance: score(x, y) minus the mean score after shuffling one column (seeded, <paramref name="repeats"/>
    /// times), for a fitted model; the spread is the standard deviation over repeats. Use held-out rows, so the
    /// importance reflects generalisation rather than memorisation.
    /// </summary>
    public static FeatureScores PermutationImportance(Func<Tensor, Tensor> predict, Tensor x, Tensor y, Func<Tensor, Tensor, double> scorer,
        IReadOnlyList<string>? names = null, int repeats = 5, int seed = 0)
    {
        if (x.dim() != 2) throw new ArgumentException($"x must be [n, d], got [{string.Join(", ", x.shape)}].", nameof(x));
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "repeats must be at least 1.");
        int n = (int)x.shape[0], d = (int)x.shape[1];
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        double baseline;
        using (var scope = NewDisposeScope()) baseline = scorer(predict(x), y);
        var mean = new double[d];
        var std = new double[d];
        for (int j = 0; j < d; j++)
        {
            var drops = new double[repeats];
            for (int r = 0; r < repeats; r++)
            {
                using var scope = NewDisposeScope();
                var shuffled = x.clone();
                var permutation = randperm(n, generator: generator).to(x.device);
                shuffled[TensorIndex.Colon, j] = x[TensorIndex.Colon, j].index_select(0, permutation);
                drops[r] = baseline - scorer(predict(shuffled), y);
            }
            mean[j] = drops.Average();
            std[j] = Stats.Std(drops);
        }
        return new FeatureScores(names ?? Enumerable.Range(0, d).Select(j => $"x{j}").ToArray(), mean, std, "score drop", "std");
    }
}

/// <summary>Distribution tails needed for p-values.</summary>
static class SpecialFunctions
{
    /// <summary>P(F &gt; f) for F(d1, d2) = I_{d2/(d2 + d1 f)}(d2/2, d1/2).</summary>
    public static double FUpperTail(double f, double d1, double d2) =>
        f <= 0 ? 1 : RegularizedBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);

    /// <summary>Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4).</summary>
    public static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2) ? front * BetaFraction(x, a, b) / a : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, dd = 1 - (a + b) * x / (a + 1);
        dd = 1 / (Math.Abs(dd) < tiny ? tiny : dd);
        double h = dd;
        for (int m = 1; m <= 500; m++)
        {
            double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            dd = 1 + num * dd; dd = 1 / (Math.Abs(dd) < tiny ? tiny : dd);
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            h *= dd * c;
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            dd = 1 + num * dd; dd = 1 / (Math.Abs(dd) < tiny ? tiny : dd);
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = dd * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return h;
    }

    /// <summary>ln Γ(x) by the Lanczos approximation (g = 7, 9 terms), accurate to about 1e-15.</summary>
    public static double LogGamma(double x)
    {
        double[] c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < 9; i++) sum += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}

/// <summary>
/// Keeps the <c>k</c> features with the highest ANOVA F on the rows given to <see cref="Fit"/>, then fits the inner
/// model on them. Inside cross-validation that means selection sees training rows only, which is the honest way;
/// selecting on all rows first leaks the test labels into the features.
/// </summary>
public sealed class SelectKBest(int k, ISupervisedModel inner) : ISupervisedModel
{
    public int[]? Selected { get; private set; }

    public void Fit(Tensor x, Tensor y)
    {
        if (k < 1 || k > x.shape[1]) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in 1..{x.shape[1]}, got {k}.");
        Selected = FeatureScoring.AnovaF(x, y).Top(k);
        using var columns = tensor(Selected.Select(i => (long)i).ToArray(), device: x.device);
        inner.Fit(x.index_select(1, columns), y);
    }

    public Tensor Predict(Tensor x)
    {
        if (Selected is null) throw new InvalidOperationException("Call Fit before Predict.");
        using var columns = tensor(Selected.Select(i => (long)i).ToArray(), device: x.device);
        return inner.Predict(x.index_select(1, columns));
    }
}
