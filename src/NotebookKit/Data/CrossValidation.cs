using System.Diagnostics;
using NotebookKit.Display;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>Scores of one fold: test (and optionally train) scores by scorer name, with timings.</summary>
public sealed record FoldScore(int Fold, int TrainCount, int TestCount, IReadOnlyDictionary<string, double> Test,
    IReadOnlyDictionary<string, double>? Train, double FitSeconds, double ScoreSeconds);

/// <summary>Per-fold scores with mean and (population) standard deviation; renders as a table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class CrossValidationResult(IReadOnlyList<FoldScore> folds) : IRichDisplay
{
    public IReadOnlyList<FoldScore> Folds { get; } = folds;
    public IReadOnlyList<string> ScorerNames => Folds[0].Test.Keys.ToArray();

    public double[] TestScores(string scorer) => Folds.Select(f => f.Test[Known(scorer)]).ToArray();
    public double[] TrainScores(string scorer) => Folds.Select(f => f.Train?[Known(scorer)] ?? double.NaN).ToArray();
    /// <summary>Mean test score over folds.</summary>
    public double Mean(string scorer) => TestScores(scorer).Average();
    /// <summary>Population standard deviation of the test scores (numpy's default, as scikit-learn reports).</summary>
    public double Std(string scorer) => Stats.Std(TestScores(scorer));
    public double Mean() => Mean(ScorerNames[0]);
    public double Std() => Std(ScorerNames[0]);

    string Known(string scorer) => Folds[0].Test.ContainsKey(scorer) ? scorer
        : throw new ArgumentException($"No scorer '{scorer}'; have {string.Join(", ", ScorerNames)}.", nameof(scorer));

    public HtmlTable Table()
    {
        bool train = Folds[0].Train is not null;
        var columns = new List<string> { "fold", "train rows", "test rows" };
        foreach (var s in ScorerNames) { columns.Add($"test {s}"); if (train) columns.Add($"train {s}"); }
        columns.AddRange(["fit s", "score s"]);
        var table = new HtmlTable(columns);
        foreach (var f in Folds)
        {
            var row = new List<object?> { f.Fold, f.TrainCount, f.TestCount };
            foreach (var s in ScorerNames) { row.Add(f.Test[s]); if (train) row.Add(f.Train![s]); }
            row.AddRange([f.FitSeconds, f.ScoreSeconds]);
            table.AddRow(row.ToArray());
        }
        foreach (var (label, stat) in new (string, Func<double[], double>)[] { ("mean", v => v.Average()), ("std", Stats.Std) })
        {
            var row = new List<object?> { label, null, null };
            foreach (var s in ScorerNames) { row.Add(stat(TestScores(s))); if (train) row.Add(stat(TrainScores(s))); }
            row.AddRange([stat(Folds.Select(f => f.FitSeconds).ToArray()), stat(Folds.Select(f => f.ScoreSeconds).ToArray())]);
            table.AddRow(row.ToArray());
        }
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
    public override string ToString() => string.Join(", ", ScorerNames.Select(s => $"{s} {Mean(s):0.####} ± {Std(s):0.####}"));
}

/// <summary>Train and validation scores (mean and std over splits) at each point of a sweep; renders as a chart.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class CurveResult(string xName, double[] x, double[][] train, double[][] validation, string scorer, bool logX = false) : IRichDisplay
{
    public string XName { get; } = xName;
    public string Scorer { get; } = scorer;
    public double[] X { get; } = x;
    /// <summary>Scores [point][split].</summary>
    public double[][] Train { get; } = train;
    public double[][] Validation { get; } = validation;
    public double[] TrainMean => Train.Select(s => s.Average()).ToArray();
    public double[] ValidationMean => Validation.Select(s => s.Average()).ToArray();
    public double[] TrainStd => Train.Select(Stats.Std).ToArray();
    public double[] ValidationStd => Validation.Select(Stats.Std).ToArray();

    /// <summary>
    /// The same curve with every score negated and renamed, e.g. "negative MSE" into "MSE", so that a loss can be
    /// drawn on a log axis.
    /// </summary>
    public CurveResult Negated(string scorer) =>
        new(XName, X, Train.Select(s => s.Select(v => -v).ToArray()).ToArray(),
            Validation.Select(s => s.Select(v => -v).ToArray()).ToArray(), scorer, logX);

    /// <summary>
    /// Train and validation means with ± one standard deviation bands. <paramref name="logY"/> draws the scores on a
    /// log axis (they must be positive, e.g. an error), so values that span decades stay readable.
    /// </summary>
    public Figure Chart(string? title = null, bool logY = false)
    {
        var figure = new Figure().WithTitle(title ?? $"{Scorer} against {XName}", XName, Scorer);
        if (logX) figure.Layout.XAxis!.Type = "log";
        if (logY)
        {
            var means = TrainMean.Concat(ValidationMean).ToArray();
            if (means.Any(m => !(m > 0))) throw new InvalidOperationException($"A log axis needs positive scores; {Scorer} has some <= 0.");
            figure.Layout.YAxis!.Type = "log";
            // Range in log10 units, from the means only: a band reaching zero or below is cut at the bottom edge.
            figure.Layout.YAxis.Range = [Math.Log10(means.Min()) - 0.3, Math.Log10(means.Max()) + 0.3];
        }
        double floor = logY ? Math.Pow(10, figure.Layout.YAxis!.Range![0] - 1) : double.NegativeInfinity;
        foreach (var (name, mean, std, color) in new[] { ("train", TrainMean, TrainStd, "#1f77b4"), ("validation", ValidationMean, ValidationStd, "#d62728") })
        {
            // A band of ± one standard deviation over splits, drawn as a closed polygon.
            figure.Add(new Scatter
            {
                X = X.Concat(Enumerable.Reverse(X)).ToArray(),
                Y = mean.Zip(std, (m, s) => m + s).Concat(mean.Zip(std, (m, s) => Math.Max(floor, m - s)).Reverse()).ToArray(),
                Fill = "toself", Mode = "lines", Line = new Line { Width = 0, Color = color }, ShowLegend = false, Name = name + " ± std",
                Extra = { ["opacity"] = 0.2 },
            });
            figure.Add(new Scatter { X = X, Y = mean, Name = name, Mode = "lines+markers", Line = new Line { Color = color } });
        }
        return figure;
    }

    public HtmlTable Table()
    {
        var table = new HtmlTable([XName, $"train {Scorer}", "train std", $"validation {Scorer}", "validation std"]);
        for (int i = 0; i < X.Length; i++) table.AddRow(X[i], TrainMean[i], TrainStd[i], ValidationMean[i], ValidationStd[i]);
        return table;
    }

    public string ToHtml() => Chart().ToHtml() + Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}

/// <summary>
/// Cross-validation, learning curves and validation curves (introduced in 02-cross-validation-and-fitting).
/// Each split builds a fresh model from the factory; a preprocessing step, if given, is fitted on that split's
/// training rows only and then applied to its test rows, so no statistic of the test rows leaks into training.
/// </summary>
public static class CrossValidation
{
    /// <summary>
    /// Fits and scores one model per (train, test) pair of <paramref name="cv"/>. Labels for stratified splitters
    /// are taken from <paramref name="y"/> when it is an integer tensor.
    /// </summary>
    public static CrossValidationResult CrossValidate(Func<ISupervisedModel> modelFactory, Tensor x, Tensor y, ICrossValidator cv,
        IReadOnlyDictionary<string, Func<Tensor, Tensor, double>> scoring, Func<ITensorTransform>? preprocessing = null,
        int[]? groups = null, bool trainScores = false)
    {
        CheckData(x, y);
        if (scoring.Count == 0) throw new ArgumentException("Give at least one scorer.", nameof(scoring));
        var folds = new List<FoldScore>();
        int fold = 0;
        foreach (var (train, test) in cv.Split((int)x.shape[0], LabelsOf(y), groups))
        {
            var (model, fitSeconds, trainX, trainY, testX, testY) = FitOn(modelFactory(), x, y, train, test, preprocessing);
            try
            {
                var clock = Stopwatch.StartNew();
                var testScores = Score(model, testX, testY, scoring);
                double scoreSeconds = clock.Elapsed.TotalSeconds;
                var trainScoresByName = trainScores ? Score(model, trainX, trainY, scoring) : null;
                folds.Add(new FoldScore(++fold, train.Length, test.Length, testScores, trainScoresByName, fitSeconds, scoreSeconds));
            }
            finally { foreach (var t in new[] { trainX, trainY, testX, testY }) t.Dispose(); }
        }
        return new CrossValidationResult(folds);
    }

    /// <summary>Cross-validation with one scorer.</summary>
    public static CrossValidationResult CrossValidate(Func<ISupervisedModel> modelFactory, Tensor x, Tensor y, ICrossValidator cv,
        string scorerName, Func<Tensor, Tensor, double> scorer, Func<ITensorTransform>? preprocessing = null, int[]? groups = null, bool trainScores = false) =>
        CrossValidate(modelFactory, x, y, cv, new Dictionary<string, Func<Tensor, Tensor, double>> { [scorerName] = scorer }, preprocessing, groups, trainScores);

    /// <summary>Cross-validation on a <see cref="Dataset"/>'s features and labels.</summary>
    public static CrossValidationResult CrossValidate(Func<ISupervisedModel> modelFactory, Dataset data, ICrossValidator cv,
        string scorerName, Func<Tensor, Tensor, double> scorer, Func<ITensorTransform>? preprocessing = null, bool trainScores = false) =>
        CrossValidate(modelFactory, data.Features, data.Labels, cv, scorerName, scorer, preprocessing, null, trainScores);

    /// <summary>
    /// Out-of-fold outputs (scikit-learn's cross_val_predict): each row's model output from the split that tests it,
    /// so every row is predicted by a model that never saw it. <paramref name="cv"/> must test every row exactly once.
    /// </summary>
    public static Tensor Predict(Func<ISupervisedModel> modelFactory, Tensor x, Tensor y, ICrossValidator cv,
        Func<ITensorTransform>? preprocessing = null, int[]? groups = null)
    {
        CheckData(x, y);
        int n = (int)x.shape[0];
        var outputs = new Tensor?[n];
        foreach (var (train, test) in cv.Split(n, LabelsOf(y), groups))
        {
            var (model, _, trainX, trainY, testX, testY) = FitOn(modelFactory(), x, y, train, test, preprocessing);
            try
            {
                using var scope = NewDisposeScope();
                var predicted = model.Predict(testX).cpu();
                for (int i = 0; i < test.Length; i++)
                {
                    if (outputs[test[i]] is not null)
                        throw new ArgumentException($"The splitter tests row {test[i]} twice; Predict needs each row tested once (use KFold-like splitters).", nameof(cv));
                    outputs[test[i]] = predicted[i].MoveToOuterDisposeScope();
                }
            }
            finally { foreach (var t in new[] { trainX, trainY, testX, testY }) t.Dispose(); }
        }
        int missing = Array.FindIndex(outputs, o => o is null);
        if (missing >= 0)
            throw new ArgumentException($"The splitter never tests row {missing}; Predict needs each row tested once (use KFold-like splitters).", nameof(cv));
        var result = stack(outputs!);
        foreach (var o in outputs) o!.Dispose();
        return result;
    }

    /// <summary>
    /// Learning curve: for each fraction f of every split's training rows (a seeded random subset of
    /// ceil(f * n_train) rows), the score on that subset and on the split's test rows.
    /// </summary>
    public static CurveResult LearningCurve(Func<ISupervisedModel> modelFactory, Tensor x, Tensor y, ICrossValidator cv,
        double[] trainFractions, string scorerName, Func<Tensor, Tensor, double> scorer, Func<ITensorTransform>? preprocessing = null, int seed = 0)
    {
        CheckData(x, y);
        if (trainFractions.Length == 0 || trainFractions.Any(f => f is <= 0 or > 1 || double.IsNaN(f)))
            throw new ArgumentOutOfRangeException(nameof(trainFractions), "Every train fraction must be in (0, 1].");
        var splits = cv.Split((int)x.shape[0], LabelsOf(y)).ToArray();
        var random = new Random(seed);
        var order = splits.Select(s => s.Train.OrderBy(_ => random.Next()).ToArray()).ToArray();
        var trainScores = new double[trainFractions.Length][];
        var testScores = new double[trainFractions.Length][];
        var sizes = new double[trainFractions.Length];
        for (int p = 0; p < trainFractions.Length; p++)
        {
            trainScores[p] = new double[splits.Length];
            testScores[p] = new double[splits.Length];
            for (int s = 0; s < splits.Length; s++)
            {
                int take = (int)Math.Ceiling(trainFractions[p] * order[s].Length);
                sizes[p] = take;
                var subset = order[s].Take(take).Order().ToArray();
                (trainScores[p][s], testScores[p][s]) = TrainAndTest(modelFactory(), x, y, subset, splits[s].Test, preprocessing, scorer);
            }
        }
        return new CurveResult("training rows", sizes, trainScores, testScores, scorerName);
    }

    /// <summary>Validation curve: train and test scores over <paramref name="cv"/> for each value of one hyperparameter.</summary>
    public static CurveResult ValidationCurve(Func<double, ISupervisedModel> modelFactory, string parameterName, double[] values,
        Tensor x, Tensor y, ICrossValidator cv, string scorerName, Func<Tensor, Tensor, double> scorer,
        Func<ITensorTransform>? preprocessing = null, bool logScale = false)
    {
        CheckData(x, y);
        if (values.Length == 0) throw new ArgumentException("Give at least one parameter value.", nameof(values));
        var splits = cv.Split((int)x.shape[0], LabelsOf(y)).ToArray();
        var trainScores = new double[values.Length][];
        var testScores = new double[values.Length][];
        for (int p = 0; p < values.Length; p++)
        {
            trainScores[p] = new double[splits.Length];
            testScores[p] = new double[splits.Length];
            for (int s = 0; s < splits.Length; s++)
                (trainScores[p][s], testScores[p][s]) = TrainAndTest(modelFactory(values[p]), x, y, splits[s].Train, splits[s].Test, preprocessing, scorer);
        }
        return new CurveResult(parameterName, values, trainScores, testScores, scorerName, logScale);
    }

    static (double Train, double Test) TrainAndTest(ISupervisedModel model, Tensor x, Tensor y, long[] train, long[] test,
        Func<ITensorTransform>? preprocessing, Func<Tensor, Tensor, double> scorer)
    {
        var (fitted, _, trainX, trainY, testX, testY) = FitOn(model, x, y, train, test, preprocessing);
        try
        {
            using var scope = NewDisposeScope();
            return (scorer(fitted.Predict(trainX), trainY), scorer(fitted.Predict(testX), testY));
        }
        finally { foreach (var t in new[] { trainX, trainY, testX, testY }) t.Dispose(); }
    }

    /// <summary>Selects the rows, fits preprocessing on the training rows only, transforms both parts, fits the model.</summary>
    static (ISupervisedModel Model, double FitSeconds, Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY) FitOn(
        ISupervisedModel model, Tensor x, Tensor y, long[] train, long[] test, Func<ITensorTransform>? preprocessing)
    {
        Tensor trainX, trainY, testX, testY;
        using (var scope = NewDisposeScope())
        {
            var trainIndex = tensor(train, device: x.device);
            var testIndex = tensor(test, device: x.device);
            trainX = x.index_select(0, trainIndex);
            testX = x.index_select(0, testIndex);
            trainY = y.index_select(0, trainIndex.to(y.device)).MoveToOuterDisposeScope();
            testY = y.index_select(0, testIndex.to(y.device)).MoveToOuterDisposeScope();
            if (preprocessing is not null)
            {
                var transform = preprocessing().Fit(trainX);
                trainX = transform.Transform(trainX);
                testX = transform.Transform(testX);
            }
            trainX = trainX.MoveToOuterDisposeScope();
            testX = testX.MoveToOuterDisposeScope();
        }
        var clock = Stopwatch.StartNew();
        model.Fit(trainX, trainY);
        return (model, clock.Elapsed.TotalSeconds, trainX, trainY, testX, testY);
    }

    static Dictionary<string, double> Score(ISupervisedModel model, Tensor x, Tensor y, IReadOnlyDictionary<string, Func<Tensor, Tensor, double>> scoring)
    {
        using var scope = NewDisposeScope();
        var outputs = model.Predict(x);
        return scoring.ToDictionary(s => s.Key, s => s.Value(outputs, y));
    }

    static void CheckData(Tensor x, Tensor y)
    {
        if (x.dim() < 2) throw new ArgumentException($"x must be [n, ...] with at least 2 dimensions, got [{string.Join(", ", x.shape)}].", nameof(x));
        if (y.shape[0] != x.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
    }

    /// <summary>
    /// Class labels of a 1-D target for stratification: integer tensors, or float tensors whose values are all whole
    /// numbers (as scikit-learn accepts 0.0/1.0 labels). Continuous targets have no classes: null.
    /// </summary>
    internal static int[]? LabelsOf(Tensor y)
    {
        if (y.dim() != 1) return null;
        using var scope = NewDisposeScope();
        if (y.is_floating_point())
        {
            var values = y.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
            return values.All(v => double.IsFinite(v) && v == Math.Round(v) && Math.Abs(v) <= int.MaxValue)
                ? values.Select(v => (int)v).ToArray() : null;
        }
        return y.cpu().to_type(ScalarType.Int64).data<long>().Select(v => (int)v).ToArray();
    }
}

static class Stats
{
    /// <summary>Population standard deviation (ddof = 0).</summary>
    public static double Std(double[] values)
    {
        if (values.Length == 0) return double.NaN;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
