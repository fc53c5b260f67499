using System.Globalization;
using Microsoft.Data.Analysis;
using NotebookKit.Display;

namespace NotebookKit.Tuning;

/// <summary>
/// A search's <c>cv_results_</c>. The full table (<see cref="Full"/>, scikit-learn's columns) is 15-25 columns wide,
/// so the default view is compact: one row per candidate in rank order with its rank, one column per parameter,
/// and the mean and std of the test score (and train score when recorded), rounded. Columns, rows and the indexer
/// read the full table, so <c>CvResults["mean_test_score"]</c> works as on the DataFrame.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class SearchResults : IRichDisplay
{
    readonly IReadOnlyList<IReadOnlyDictionary<string, object?>> candidates;

    public SearchResults(DataFrame full, IReadOnlyList<IReadOnlyDictionary<string, object?>> candidates)
    {
        Full = full ?? throw new ArgumentNullException(nameof(full));
        this.candidates = candidates ?? throw new ArgumentNullException(nameof(candidates));
    }

    /// <summary>Every column of scikit-learn's <c>cv_results_</c>, one row per candidate in search order.</summary>
    public DataFrame Full { get; }
    public DataFrameColumnCollection Columns => Full.Columns;
    public DataFrameRowCollection Rows => Full.Rows;
    public DataFrameColumn this[string column] => Full[column];

    public static implicit operator DataFrame(SearchResults results) => results.Full;

    /// <summary>Mean test score of candidate <paramref name="index"/> (search order).</summary>
    public double MeanTestScore(int index) => (double)Full["mean_test_score"][index]!;
    public double StdTestScore(int index) => (double)Full["std_test_score"][index]!;

    /// <summary>
    /// The compact view: candidates in rank order (<paramref name="top"/> of them, default all), with rank, the search
    /// index (#), parameters, and mean/std test (and train) scores rounded to <paramref name="digits"/> decimals.
    /// </summary>
    public HtmlTable Compact(int digits = 4, int? top = null)
    {
        if (digits is < 0 or > 15) throw new ArgumentOutOfRangeException(nameof(digits), "digits must be in 0..15.");
        if (top is < 1) throw new ArgumentOutOfRangeException(nameof(top), "top must be at least 1.");
        var names = candidates.SelectMany(p => p.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        bool train = Full.Columns.Any(c => c.Name == "mean_train_score");
        var columns = new List<string> { "rank", "#" };
        columns.AddRange(names);
        columns.AddRange(["mean_test_score", "std_test_score"]);
        if (train) columns.AddRange(["mean_train_score", "std_train_score"]);
        var table = new HtmlTable(columns, $"cv_results_: {candidates.Count} candidates, {Full.Columns.Count} columns " +
            "in full (CvResults.Full); compact view in rank order");
        string Round(double v) => double.IsNaN(v) ? "NaN" : v.ToString("F" + digits, CultureInfo.InvariantCulture);
        var order = Enumerable.Range(0, candidates.Count)
            .OrderBy(i => (int)Full["rank_test_score"][i]!).ThenBy(i => i).Take(top ?? candidates.Count);
        foreach (int i in order)
        {
            var row = new List<object?> { Full["rank_test_score"][i], i };
            row.AddRange(names.Select(n => candidates[i].TryGetValue(n, out var v) ? Short(v) : ""));
            row.AddRange([Round(MeanTestScore(i)), Round(StdTestScore(i))]);
            if (train) row.AddRange([Round((double)Full["mean_train_score"][i]!), Round((double)Full["std_train_score"][i]!)]);
            table.AddRow(row.ToArray());
        }
        return table;
    }

    /// <summary>
    /// Mean test score over two parameters as a heat map with categorical axes (so 0.01 and 100 get equal cells) and
    /// the value printed in each cell. Other parameters must be constant or absent (a grid over exactly these two).
    /// </summary>
    public Figure Heatmap(string x, string y, string title = "Mean CV score", string format = ".3f")
    {
        foreach (var name in new[] { x, y })
            if (!candidates.Any(p => p.ContainsKey(name)))
                throw new ArgumentException($"No candidate has a parameter '{name}'.", nameof(x));
        var xs = candidates.Select(p => p[x]).Distinct().ToArray();
        var ys = candidates.Select(p => p[y]).Distinct().ToArray();
        if (xs.Length * ys.Length != candidates.Count)
            throw new ArgumentException($"The heat map needs a grid over exactly '{x}' and '{y}' ({xs.Length} x {ys.Length} " +
                $"cells) but the search has {candidates.Count} candidates.");
        var z = ys.Select(yv => xs.Select(xv => (object?)MeanTestScore(Enumerable.Range(0, candidates.Count)
            .Single(i => Equals(candidates[i][x], xv) && Equals(candidates[i][y], yv)))).ToArray()).ToArray();
        var figure = new Figure(new Display.Heatmap
        {
            X = xs.Select(Short).ToArray(), Y = ys.Select(Short).ToArray(), Z = z,
            Colorscale = "Viridis", Texttemplate = "%{z:" + format + "}",
        }).WithTitle(title, x, y);
        figure.Layout.XAxis!.Type = "category";
        figure.Layout.YAxis!.Type = "category";
        return figure;
    }

    /// <summary>A parameter value for reading: numbers to 4 significant digits, arrays as [a, b].</summary>
    public static string Short(object? value) => value switch
    {
        null => "None",
        double d => d.ToString("G4", CultureInfo.InvariantCulture),
        float f => f.ToString("G4", CultureInfo.InvariantCulture),
        string s => s,
        System.Collections.IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Short)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public string ToHtml() => Compact().ToHtml();
    public string ToPlainText() => Compact().ToPlainText();
    public override string ToString() => ToPlainText();
}
