using System.Text.Json;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class SearchCvTests
{
    static readonly JsonElement Sk = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/gridsearch_sklearn.json"))).RootElement;

    static double[] Values(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    // Ridge regression with an unpenalised intercept (centre, then solve the 2×2 normal equations), as scikit-learn's Ridge.
    sealed class Ridge(double alpha, double[][] x, double[] y)
    {
        double w0, w1, b;
        public void Fit(long[] rows)
        {
            double mx0 = rows.Average(r => x[r][0]), mx1 = rows.Average(r => x[r][1]), my = rows.Average(r => y[r]);
            double a = alpha, bb = 0, d = alpha, e0 = 0, e1 = 0;
            foreach (var r in rows)
            {
                double u = x[r][0] - mx0, v = x[r][1] - mx1, t = y[r] - my;
                a += u * u; bb += u * v; d += v * v; e0 += u * t; e1 += v * t;
            }
            double det = a * d - bb * bb;
            w0 = (d * e0 - bb * e1) / det; w1 = (a * e1 - bb * e0) / det;
            b = my - w0 * mx0 - w1 * mx1;
        }
        public double R2(long[] rows)
        {
            double my = rows.Average(r => y[r]);
            double res = rows.Sum(r => Math.Pow(y[r] - (w0 * x[r][0] + w1 * x[r][1] + b), 2));
            double tot = rows.Sum(r => Math.Pow(y[r] - my, 2));
            return 1 - res / tot;
        }
    }

    static GridSearchCV<Ridge> Search()
    {
        var x = Sk.GetProperty("x").EnumerateArray().Select(Values).ToArray();
        var y = Values(Sk.GetProperty("y"));
        var estimator = new SearchEstimator<Ridge>(p => new Ridge((double)p["alpha"]!, x, y), (m, rows) => m.Fit(rows), (m, rows) => m.R2(rows));
        return new GridSearchCV<Ridge>(estimator, new Dictionary<string, IEnumerable<object?>>
        {
            ["solver"] = new object?[] { "cholesky", "svd" },
            ["alpha"] = new object?[] { 0.1, 10.0, 100.0 },
        }) { ReturnTrainScore = true };
    }

    static (long[], long[])[] Folds() => Sk.GetProperty("folds").EnumerateArray()
        .Select(f => (f[0].EnumerateArray().Select(v => v.GetInt64()).ToArray(), f[1].EnumerateArray().Select(v => v.GetInt64()).ToArray())).ToArray();

    [Fact]
    public void ResultsTableHasScikitLearnsCvResultsColumnsInOrder()
    {
        var search = Search().Fit(Folds());
        Assert.Equal(Sk.GetProperty("columns").EnumerateArray().Select(c => c.GetString()), search.CvResults.Columns.Select(c => c.Name));
    }

    [Fact]
    public void CandidatesScoresAndRanksMatchScikitLearn()
    {
        var search = Search().Fit(Folds());
        var df = search.CvResults;
        var skParams = Sk.GetProperty("params").EnumerateArray().ToArray();
        var skSplits = Sk.GetProperty("split_test").EnumerateArray().Select(Values).ToArray();
        var skMean = Values(Sk.GetProperty("mean_test")); var skStd = Values(Sk.GetProperty("std_test"));
        var skRank = Values(Sk.GetProperty("rank")); var skTrain = Values(Sk.GetProperty("mean_train"));
        var rank = df["rank_test_score"].Cast<int>().ToArray();
        for (int i = 0; i < skMean.Length; i++)
        {
            Assert.Equal(skParams[i].GetProperty("alpha").GetDouble(), (double)search.CandidateParams[i]["alpha"]!);
            Assert.Equal(skParams[i].GetProperty("solver").GetString(), (string)search.CandidateParams[i]["solver"]!);
            for (int k = 0; k < 3; k++) Assert.Equal(skSplits[i][k], (double)df[$"split{k}_test_score"][i], 9);
            Assert.Equal(skMean[i], (double)df["mean_test_score"][i], 9);
            Assert.Equal(skStd[i], (double)df["std_test_score"][i], 9);
            Assert.Equal(skTrain[i], (double)df["mean_train_score"][i], 9);
            // scikit-learn's two solvers differ in the last bits; where its means differ materially, ranks must agree.
            for (int j = 0; j < skMean.Length; j++)
                if (Math.Abs(skMean[i] - skMean[j]) > 1e-9) Assert.Equal(skRank[i] < skRank[j], rank[i] < rank[j]);
                else Assert.Equal(rank[i], rank[j]);
        }
        Assert.Equal(Sk.GetProperty("best_score").GetDouble(), search.BestScore, 9);
        Assert.Equal(skParams[Sk.GetProperty("best_index").GetInt32()].GetProperty("alpha").GetDouble(), (double)search.BestParams["alpha"]!);
        Assert.Equal(6 * 3 + 1, search.FitCount);
        Assert.NotNull(search.BestEstimator);
    }

    [Fact]
    public void RanksShareTheMinimumOnTiesAndPutNaNLast()
    {
        Assert.Equal(new[] { 2, 1, 2, 4, 5 }, SearchCV<object>.Rank([0.5, 0.9, 0.5, 0.1, double.NaN]));
    }

    [Fact]
    public void RandomizedSearchDrawsSeededCandidatesInsideTheirDistributions()
    {
        var seen = new List<IReadOnlyDictionary<string, object?>>();
        var estimator = new SearchEstimator<IReadOnlyDictionary<string, object?>>(p => { seen.Add(p); return p; }, (_, _) => { }, (p, _) => -Math.Abs(Math.Log10((double)p["lr"]!) + 2));
        var distributions = new Dictionary<string, Distribution> { ["lr"] = new FloatDistribution(1e-4, 1, log: true), ["width"] = new IntDistribution(8, 64, step: 8) };
        var a = new RandomizedSearchCV<IReadOnlyDictionary<string, object?>>(estimator, distributions, nIter: 12, seed: 5).Fit(Folds());
        var b = new RandomizedSearchCV<IReadOnlyDictionary<string, object?>>(estimator, distributions, nIter: 12, seed: 5).Fit(Folds());
        Assert.Equal(a.CandidateParams.Select(p => p["lr"]), b.CandidateParams.Select(p => p["lr"]));
        Assert.All(a.CandidateParams, p => { Assert.InRange((double)p["lr"]!, 1e-4, 1); Assert.Equal(0, (int)p["width"]! % 8); });
        Assert.Equal(12, a.CvResults.Rows.Count);
    }

    [Fact]
    public void EmptyGridsAndTooFewFoldsAreRejected()
    {
        var estimator = new SearchEstimator<int>(_ => 0, (_, _) => { }, (_, _) => 0);
        Assert.Throws<ArgumentException>(() => new GridSearchCV<int>(estimator, new Dictionary<string, IEnumerable<object?>> { ["a"] = [] }).Fit(Folds()));
        Assert.Throws<ArgumentException>(() => new GridSearchCV<int>(estimator, new Dictionary<string, IEnumerable<object?>> { ["a"] = [1] }).Fit(Folds().Take(1)));
    }
}
