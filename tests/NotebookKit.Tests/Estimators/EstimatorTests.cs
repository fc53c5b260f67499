using System.Text.Json;
using NotebookKit.Data;
using NotebookKit.Estimators;
using NotebookKit.Tuning;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Estimators;

// Reference: data/reference/logistic_sklearn.json, written by make_logistic_reference.py (scikit-learn 1.2.1).
public class LogisticRegressionTests
{
    static readonly JsonElement Sk = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "data/reference/logistic_sklearn.json"))).RootElement;

    static double[] Flat(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? e.EnumerateArray().SelectMany(Flat).ToArray() : [e.GetDouble()];

    static LogisticRegression Tight(double c, string penalty) => new() { C = c, Penalty = penalty, Tol = 1e-10, MaxIter = 100_000 };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void L1ProximalStepGivesScikitLearnSagaSolutionAndItsExactZeros(int index)
    {
        var reference = Sk.GetProperty("l1")[index];
        var cancer = Datasets.BreastCancer();
        var model = Tight(reference.GetProperty("C").GetDouble(), "l1");
        model.Fit(cancer.Features, cancer.Labels);
        var saga = reference.GetProperty("saga");
        Assert.True(model.Converged);
        Assert.Equal(saga.GetProperty("zeros").GetInt32(), model.ZeroCoefficients);
        var ours = model.Coef.data<double>().ToArray();
        var theirs = Flat(saga.GetProperty("coef"));
        for (int j = 0; j < theirs.Length; j++) Assert.Equal(theirs[j], ours[j], 4);
        Assert.Equal(Flat(saga.GetProperty("intercept"))[0], model.Intercept.item<double>(), 4);
    }

    [Fact]
    public void L2MatchesScikitLearnNewtonCg()
    {
        var cancer = Datasets.BreastCancer();
        var model = Tight(1.0, "l2");
        model.Fit(cancer.Features, cancer.Labels);
        var theirs = Flat(Sk.GetProperty("l2").GetProperty("newton_cg").GetProperty("coef"));
        var ours = model.Coef.data<double>().ToArray();
        for (int j = 0; j < theirs.Length; j++) Assert.Equal(theirs[j], ours[j], 4);
        Assert.Equal(0, model.ZeroCoefficients);
    }

    [Fact]
    public void MultinomialMatchesScikitLearnOnIris()
    {
        var iris = Datasets.Iris();
        var model = Tight(1.0, "l2");
        model.Fit(iris.Features, iris.Labels);
        var theirs = Flat(Sk.GetProperty("iris").GetProperty("newton_cg").GetProperty("coef"));
        var ours = model.Coef.contiguous().data<double>().ToArray();
        Assert.Equal(new long[] { 3, 4 }, model.Coef.shape);
        for (int j = 0; j < theirs.Length; j++) Assert.Equal(theirs[j], ours[j], 3);
        Assert.Equal(1.0, model.PredictProba(iris.Features).sum(1).mean().item<double>(), 9);
    }

    [Fact]
    public void AdamWithAnL1PenaltyInTheLossLeavesNoExactZerosWhereTheProximalStepDoes()
    {
        // The subgradient of |w| flips sign around 0, so stepping it never lands on 0.0; the soft threshold does.
        var cancer = Datasets.BreastCancer();
        var x = new StandardScaler().FitTransform(cancer.Features);
        NotebookKit.Setup.Kit.Setup(seed: 0);
        var net = NotebookKit.Training.Models.LogisticRegression(30, 2);
        using var adam = NotebookKit.Optimizers.Optim.Adam(net.parameters(), 0.05);
        NotebookKit.Training.Trainer.Fit(net, x, cancer.Labels, NotebookKit.Training.Losses.CrossEntropy, adam,
            new NotebookKit.Training.TrainOptions { Epochs = 20, BatchSize = 64, ProgressEvery = 0, L1Penalty = 1.0 / (0.1 * 569) });
        Assert.Equal(0L, net.parameters().First().eq(0).sum().item<long>());
        var prox = new LogisticRegression { C = 0.1, Penalty = "l1" };
        prox.Fit(cancer.Features, cancer.Labels);
        Assert.True(prox.ZeroCoefficients > 10);
    }

    [Fact]
    public void BadInputAndUnknownParametersAreNamed()
    {
        var model = new LogisticRegression();
        var x = randn(10, 3, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentException>(() => model.SetParams(new Dictionary<string, object?> { ["gamma"] = 1.0 }));
        Assert.Contains("gamma", e.Message);
        Assert.Contains("Penalty", e.Message);
        Assert.Throws<ArgumentException>(() => new LogisticRegression { Penalty = "l3" }.Fit(x, zeros(10, dtype: ScalarType.Int64).index_fill_(0, tensor(new long[] { 0 }), 1)));
        Assert.Throws<ArgumentException>(() => model.Fit(x, zeros(10, dtype: ScalarType.Int64)));   // one class
        Assert.Throws<ArgumentException>(() => model.Fit(x, zeros(9, dtype: ScalarType.Int64)));
        Assert.Throws<InvalidOperationException>(() => new LogisticRegression().Predict(x));
    }

    [Fact]
    public void CloneCopiesHyperParametersAndSetParamsConvertsGridValues()
    {
        var model = (LogisticRegression)new LogisticRegression { C = 0.5, Penalty = "l1" }.Clone();
        Assert.Equal(0.5, model.C);
        Assert.Equal("l1", model.Penalty);
        model.SetParams(new Dictionary<string, object?> { ["C"] = 10, ["max_iter"] = 50 });
        Assert.Equal(10.0, model.C);
        Assert.Equal(50, model.MaxIter);
        var mlp = (MlpClassifier)new MlpClassifier().SetParams(new Dictionary<string, object?> { ["hidden_layer_sizes"] = 16 });
        Assert.Equal(new[] { 16 }, mlp.HiddenLayerSizes);
    }
}

public class EstimatorSearchTests
{
    [Fact]
    public void GridSearchOverAnEstimatorFitsEveryCandidateOnStratifiedFoldsAndShowsACompactView()
    {
        var iris = Datasets.Iris();
        var search = new GridSearchCV(new LogisticRegression(), new() { ["C"] = [0.01, 1.0], ["penalty"] = ["l1", "l2"] }, cv: 3);
        search.Fit(iris.Features, iris.Labels);
        Assert.Equal(4 * 3 + 1, search.FitCount);
        Assert.Equal(4, search.CvResults.Rows.Count);
        // Stronger regularisation (C = 0.01) cannot beat C = 1 on iris, where the classes are nearly separable.
        Assert.Equal(1.0, (double)search.BestParams["C"]!);
        Assert.True(search.Score(iris.Features, iris.Labels) > 0.9);
        var compact = search.CvResults.Compact();
        Assert.Equal(new[] { "rank", "#", "C", "penalty", "mean_test_score", "std_test_score" }, compact.Columns);
        Assert.Equal("1", compact.Rows[0][0]);
        Assert.Matches(@"^\d\.\d{4}$", compact.Rows[0][4]);
        Assert.True(search.CvResults.Full.Columns.Count > compact.Columns.Count);
    }

    [Fact]
    public void HeatmapUsesCategoricalAxesWithValuesInTheCells()
    {
        var iris = Datasets.Iris();
        var search = new GridSearchCV(new LogisticRegression(), new() { ["C"] = [0.01, 100.0], ["penalty"] = ["l1", "l2"] }, cv: 3);
        search.Fit(iris.Features, iris.Labels);
        var json = search.CvResults.Heatmap("C", "penalty").ToJson();
        Assert.Contains("\"type\":\"category\"", json);
        Assert.Contains("\"texttemplate\":\"%{z:.3f}\"", json);
        Assert.Contains("\"0.01\"", json);
        Assert.Throws<ArgumentException>(() => search.CvResults.Heatmap("C", "gamma"));
    }
}
