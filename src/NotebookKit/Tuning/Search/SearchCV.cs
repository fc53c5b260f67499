using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Analysis;

namespace NotebookKit.Tuning;

/// <summary>How a search builds, fits and scores one model: the kit's stand-in for a scikit-learn estimator and scorer.</summary>
/// <param name="Create">A fresh model for one parameter setting.</param>
/// <param name="Fit">Trains the model on the given row indices.</param>
/// <param name="Score">Scores the model on the given rows; higher is better (negate losses, as scikit-learn's "neg_" scorers).</param>
public sealed record SearchEstimator<TModel>(
    Func<IReadOnlyDictionary<string, object?>, TModel> Create,
    Action<TModel, long[]> Fit,
    Func<TModel, long[], double> Score);

/// <summary>
/// Shared engine of <see cref="GridSearchCV{TModel}"/> and <see cref="RandomizedSearchCV{TModel}"/>: for every
/// candidate and every (train, test) fold it fits on train and scores on test, then (with refit) fits the best
/// candidate on all rows. <see cref="CvResults"/> has scikit-learn's <c>cv_results_</c> columns, in its order:
/// mean/std_fit_time, mean/std_score_time, param_&lt;name&gt;, params, split&lt;k&gt;_test_score, mean_test_score,
/// std_test_score (population std, ddof = 0), rank_test_score (1 = best, ties share the lowest rank), and the
/// train-score columns when <c>ReturnTrainScore</c>.
/// </summary>
public abstract class SearchCV<TModel>
{
    /// <summary>How candidates are built, fitted and scored; estimator searches bind it when given the data.</summary>
    protected SearchEstimator<TModel>? Estimator { get; set; }
    public bool Refit { get; init; } = true;
    public bool ReturnTrainScore { get; init; }

    /// <summary>
    /// scikit-learn's <c>cv_results_</c>. It displays compactly (rank, parameters, mean and std test score, rounded);
    /// <c>CvResults.Full</c> is the whole table as a DataFrame.
    /// </summary>
    public SearchResults CvResults { get; private set; } = new(new DataFrame(), []);
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> CandidateParams { get; private set; } = [];
    public int BestIndex { get; private set; } = -1;
    public double BestScore { get; private set; } = double.NaN;
    public IReadOnlyDictionary<string, object?> BestParams => BestIndex >= 0 ? CandidateParams[BestIndex] : throw new InvalidOperationException("Call Fit first.");
    /// <summary>The best candidate refitted on all rows (null without refit).</summary>
    public TModel? BestEstimator { get; private set; }
    public double RefitTime { get; private set; }
    /// <summary>Fits made by the last <see cref="Fit"/>: candidates × folds, plus one for the refit.</summary>
    public int FitCount { get; private set; }

    protected SearchCV(SearchEstimator<TModel> estimator) => Estimator = estimator ?? throw new ArgumentNullException(nameof(estimator));
    protected SearchCV() { }

    protected abstract IReadOnlyList<IReadOnlyDictionary<string, object?>> Candidates();

    /// <summary>Runs the search over <paramref name="folds"/>; refits on <paramref name="refitRows"/> (default: every row in any fold).</summary>
    public SearchCV<TModel> Fit(IEnumerable<(long[] Train, long[] Test)> folds, long[]? refitRows = null)
    {
        var estimator = Estimator ?? throw new InvalidOperationException("This search has no data yet: call Fit(x, y).");
        var splits = folds?.ToArray() ?? throw new ArgumentNullException(nameof(folds));
        if (splits.Length < 2) throw new ArgumentException($"Cross-validation needs at least 2 folds, got {splits.Length}.", nameof(folds));
        foreach (var (trainRows, testRows) in splits)
            if (trainRows.Length == 0 || testRows.Length == 0) throw new ArgumentException("Every fold needs non-empty train and test rows.", nameof(folds));
        var candidates = Candidates();
        if (candidates.Count == 0) throw new ArgumentException("The search has no candidate parameter settings.");
        int n = candidates.Count, k = splits.Length;
        var test = new double[n, k]; var trainScores = new double[n, k];
        var fitTime = new double[n, k]; var scoreTime = new double[n, k];
        for (int c = 0; c < n; c++)
            for (int f = 0; f < k; f++)
            {
                var model = estimator.Create(candidates[c]);
                var clock = Stopwatch.StartNew();
                estimator.Fit(model, splits[f].Train);
                fitTime[c, f] = clock.Elapsed.TotalSeconds;
                clock.Restart();
                test[c, f] = estimator.Score(model, splits[f].Test);
                scoreTime[c, f] = clock.Elapsed.TotalSeconds;
                if (ReturnTrainScore) trainScores[c, f] = estimator.Score(model, splits[f].Train);
                (model as IDisposable)?.Dispose();
            }
        var meanTest = Enumerable.Range(0, n).Select(c => Mean(Row(test, c))).ToArray();
        var rank = Rank(meanTest);
        CandidateParams = candidates;
        BestIndex = Array.IndexOf(rank, 1);
        BestScore = meanTest[BestIndex];
        FitCount = n * k;
        if (Refit)
        {
            var rows = refitRows ?? splits.SelectMany(s => s.Train.Concat(s.Test)).Distinct().Order().ToArray();
            var clock = Stopwatch.StartNew();
            (BestEstimator as IDisposable)?.Dispose();
            BestEstimator = estimator.Create(candidates[BestIndex]);
            estimator.Fit(BestEstimator, rows);
            RefitTime = clock.Elapsed.TotalSeconds;
            FitCount++;
        }

        var columns = new List<DataFrameColumn>
        {
            new DoubleDataFrameColumn("mean_fit_time", Enumerable.Range(0, n).Select(c => Mean(Row(fitTime, c)))),
            new DoubleDataFrameColumn("std_fit_time", Enumerable.Range(0, n).Select(c => NotebookKit.Data.Stats.Std(Row(fitTime, c)))),
            new DoubleDataFrameColumn("mean_score_time", Enumerable.Range(0, n).Select(c => Mean(Row(scoreTime, c)))),
            new DoubleDataFrameColumn("std_score_time", Enumerable.Range(0, n).Select(c => NotebookKit.Data.Stats.Std(Row(scoreTime, c)))),
        };
        foreach (var name in candidates.SelectMany(p => p.Keys).Distinct().Order(StringComparer.Ordinal))
            columns.Add(new StringDataFrameColumn("param_" + name, candidates.Select(p => p.TryGetValue(name, out var v) ? Format(v) : null)));
        columns.Add(new StringDataFrameColumn("params", candidates.Select(p => "{" + string.Join(", ", p.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"'{kv.Key}': {Format(kv.Value)}")) + "}")));
        for (int f = 0; f < k; f++) { int ff = f; columns.Add(new DoubleDataFrameColumn($"split{f}_test_score", Enumerable.Range(0, n).Select(c => test[c, ff]))); }
        columns.Add(new DoubleDataFrameColumn("mean_test_score", meanTest));
        columns.Add(new DoubleDataFrameColumn("std_test_score", Enumerable.Range(0, n).Select(c => NotebookKit.Data.Stats.Std(Row(test, c)))));
        columns.Add(new Int32DataFrameColumn("rank_test_score", rank));
        if (ReturnTrainScore)
        {
            for (int f = 0; f < k; f++) { int ff = f; columns.Add(new DoubleDataFrameColumn($"split{f}_train_score", Enumerable.Range(0, n).Select(c => trainScores[c, ff]))); }
            columns.Add(new DoubleDataFrameColumn("mean_train_score", Enumerable.Range(0, n).Select(c => Mean(Row(trainScores, c)))));
            columns.Add(new DoubleDataFrameColumn("std_train_score", Enumerable.Range(0, n).Select(c => NotebookKit.Data.Stats.Std(Row(trainScores, c)))));
        }
        CvResults = new SearchResults(new DataFrame(columns), candidates);
        return this;
    }

    static double[] Row(double[,] a, int r) => Enumerable.Range(0, a.GetLength(1)).Select(j => a[r, j]).ToArray();
    static double Mean(double[] v) => v.Average();
    static string Format(object? v) => v switch
    {
        null => "None",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    /// <summary>scikit-learn's rank: 1 for the highest mean score, ties share the lowest rank ("min"), NaN ranks last.</summary>
    public static int[] Rank(IReadOnlyList<double> scores)
    {
        var rank = new int[scores.Count];
        for (int i = 0; i < scores.Count; i++)
        {
            double s = double.IsNaN(scores[i]) ? double.NegativeInfinity : scores[i];
            rank[i] = 1 + scores.Count(o => (double.IsNaN(o) ? double.NegativeInfinity : o) > s);
            if (double.IsNaN(scores[i])) rank[i] = 1 + scores.Count(o => !double.IsNaN(o));
        }
        return rank;
    }
}

/// <summary>
/// Exhaustive search over a parameter grid with cross-validation (scikit-learn's GridSearchCV). Candidates are
/// enumerated as scikit-learn's ParameterGrid does: names sorted, the last name varying fastest.
/// Introduced in 04-grid-search.
/// </summary>
public sealed class GridSearchCV<TModel>(SearchEstimator<TModel> estimator, IReadOnlyDictionary<string, IEnumerable<object?>> paramGrid)
    : SearchCV<TModel>(estimator)
{
    protected override IReadOnlyList<IReadOnlyDictionary<string, object?>> Candidates() => ParameterGrid.Expand(paramGrid);
}

/// <summary>
/// Cross-validated search over <c>nIter</c> settings drawn from distributions (scikit-learn's RandomizedSearchCV):
/// floats and integers from <see cref="FloatDistribution"/> / <see cref="IntDistribution"/> (log-uniform when
/// log), choices from <see cref="CategoricalDistribution"/>. Seeded. Introduced in 05-random-search.
/// </summary>
public sealed class RandomizedSearchCV<TModel>(SearchEstimator<TModel> estimator, IReadOnlyDictionary<string, Distribution> distributions, int nIter = 10, int seed = 0)
    : SearchCV<TModel>(estimator)
{
    protected override IReadOnlyList<IReadOnlyDictionary<string, object?>> Candidates() =>
        ParameterGrid.Sample(distributions, nIter, seed);
}

/// <summary>The candidate lists of the searches: a full grid, or seeded draws from distributions.</summary>
public static class ParameterGrid
{
    /// <summary>Every combination, as scikit-learn's ParameterGrid: names sorted, the last name varying fastest.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Expand(IReadOnlyDictionary<string, IEnumerable<object?>> grid)
    {
        if (grid is null || grid.Count == 0) throw new ArgumentException("The parameter grid is empty.", nameof(grid));
        var names = grid.Keys.Order(StringComparer.Ordinal).ToArray();
        var values = names.Select(n => grid[n].ToArray()).ToArray();
        for (int i = 0; i < names.Length; i++)
            if (values[i].Length == 0) throw new ArgumentException($"Grid values for '{names[i]}' are empty.", nameof(grid));
        var result = new List<IReadOnlyDictionary<string, object?>> { new Dictionary<string, object?>() };
        for (int i = 0; i < names.Length; i++)
            result = result.SelectMany(p => values[i].Select(v =>
                (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(p) { [names[i]] = v })).ToList();
        return result;
    }

    /// <summary><paramref name="nIter"/> seeded settings, one draw per distribution (log-uniform where log).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Sample(
        IReadOnlyDictionary<string, Distribution> distributions, int nIter, int seed)
    {
        if (distributions is null || distributions.Count == 0) throw new ArgumentException("No parameter distributions given.", nameof(distributions));
        if (nIter < 1) throw new ArgumentOutOfRangeException(nameof(nIter), "nIter must be at least 1.");
        var random = SeededRandom.Create(seed);
        var names = distributions.Keys.Order(StringComparer.Ordinal).ToArray();
        return Enumerable.Range(0, nIter).Select(_ => (IReadOnlyDictionary<string, object?>)names.ToDictionary(n => n,
            n => (object?)distributions[n].ToExternal(RandomSampler.Sample(distributions[n], random)))).ToArray();
    }
}

/// <summary>A parameter grid with a short name: <c>new ParamGrid { ["C"] = [0.1, 1.0], ["penalty"] = ["l1", "l2"] }</c>.</summary>
public sealed class ParamGrid : Dictionary<string, IEnumerable<object?>>;
