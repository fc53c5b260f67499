using NotebookKit.Data;
using NotebookKit.Estimators;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tuning;

/// <summary>
/// A search over an <see cref="IEstimator"/>, as scikit-learn writes it:
/// <c>new GridSearchCV(new LogisticRegression(), new() { ["C"] = [0.1, 1.0], ["penalty"] = ["l1", "l2"] }, cv: 5).Fit(x, y)</c>.
/// Each candidate is a clone of the estimator with the candidate's parameters set. An integer <c>cv</c> means
/// StratifiedKFold(cv) without shuffling, scikit-learn's default for classifiers. The default score is accuracy;
/// <c>scoring</c> takes any (probabilities [n, classes], labels) scorer such as <see cref="Scorers.BalancedAccuracy"/>.
/// </summary>
public abstract class EstimatorSearchCV : SearchCV<IEstimator>
{
    readonly IEstimator estimator;
    readonly ICrossValidator splitter;
    readonly Func<Tensor, Tensor, double>? scoring;

    protected EstimatorSearchCV(IEstimator estimator, ICrossValidator cv, Func<Tensor, Tensor, double>? scoring)
    {
        this.estimator = estimator ?? throw new ArgumentNullException(nameof(estimator));
        splitter = cv ?? throw new ArgumentNullException(nameof(cv));
        this.scoring = scoring;
    }

    /// <summary>Runs the search on (x, y) with the search's splitter; refits the best candidate on every row.</summary>
    public EstimatorSearchCV Fit(Tensor x, Tensor y)
    {
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        if (y.dim() != 1 || y.dtype != ScalarType.Int64) throw new ArgumentException("y must be 1-D int64 class labels.", nameof(y));
        var labels = y.cpu().data<long>().Select(v => (int)v).ToArray();
        Estimator = new SearchEstimator<IEstimator>(
            p => estimator.Clone().SetParams(p),
            (model, rows) =>
            {
                // No dispose scope: a network the model builds inside Fit must outlive it.
                using var xs = Rows(x, rows);
                using var ys = Rows(y, rows);
                model.Fit(xs, ys);
            },
            (model, rows) =>
            {
                using var scope = NewDisposeScope();
                var (xs, ys) = (Rows(x, rows), Rows(y, rows));
                return scoring is null ? model.Score(xs, ys) : scoring(model.PredictProba(xs), ys.to(Setup.Kit.Device));
            });
        Fit(splitter.Split((int)x.shape[0], labels));
        return this;
    }

    /// <summary>The refitted best estimator's accuracy on (x, y), as scikit-learn's search.score.</summary>
    public double Score(Tensor x, Tensor y) => Best.Score(x, y);
    public Tensor Predict(Tensor x) => Best.Predict(x);
    public Tensor PredictProba(Tensor x) => Best.PredictProba(x);

    IEstimator Best => BestEstimator ?? throw new InvalidOperationException("Call Fit (with Refit = true) first.");

    static Tensor Rows(Tensor t, long[] rows) => t.index_select(0, tensor(rows, device: t.device));
}

/// <summary>Exhaustive grid search over an <see cref="IEstimator"/> (scikit-learn's GridSearchCV); see <see cref="EstimatorSearchCV"/>.</summary>
public sealed class GridSearchCV : EstimatorSearchCV
{
    readonly IReadOnlyDictionary<string, IEnumerable<object?>> grid;

    public GridSearchCV(IEstimator estimator, ParamGrid paramGrid, int cv = 5, Func<Tensor, Tensor, double>? scoring = null)
        : this(estimator, paramGrid, new StratifiedKFold(cv), scoring) { }

    public GridSearchCV(IEstimator estimator, IReadOnlyDictionary<string, IEnumerable<object?>> paramGrid, ICrossValidator cv,
        Func<Tensor, Tensor, double>? scoring = null) : base(estimator, cv, scoring) =>
        grid = paramGrid ?? throw new ArgumentNullException(nameof(paramGrid));

    protected override IReadOnlyList<IReadOnlyDictionary<string, object?>> Candidates() => ParameterGrid.Expand(grid);
}

/// <summary>Random search over an <see cref="IEstimator"/> (scikit-learn's RandomizedSearchCV); see <see cref="EstimatorSearchCV"/>.</summary>
public sealed class RandomizedSearchCV : EstimatorSearchCV
{
    readonly IReadOnlyDictionary<string, Distribution> distributions;
    readonly int nIter, seed;

    public RandomizedSearchCV(IEstimator estimator, IReadOnlyDictionary<string, Distribution> distributions, int nIter = 10,
        int cv = 5, int seed = 0, Func<Tensor, Tensor, double>? scoring = null)
        : this(estimator, distributions, new StratifiedKFold(cv), nIter, seed, scoring) { }

    public RandomizedSearchCV(IEstimator estimator, IReadOnlyDictionary<string, Distribution> distributions, ICrossValidator cv,
        int nIter = 10, int seed = 0, Func<Tensor, Tensor, double>? scoring = null) : base(estimator, cv, scoring)
    {
        this.distributions = distributions ?? throw new ArgumentNullException(nameof(distributions));
        (this.nIter, this.seed) = (nIter, seed);
    }

    protected override IReadOnlyList<IReadOnlyDictionary<string, object?>> Candidates() => ParameterGrid.Sample(distributions, nIter, seed);
}
