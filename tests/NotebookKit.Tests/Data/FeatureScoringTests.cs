using NotebookKit.Data;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Data;

public class FeatureScoringTests
{
    [Fact]
    public void AnovaF_and_its_p_values_equal_scikit_learn_f_classif()
    {
        var x = PreprocessingTests.Tensor64("x");
        var y = tensor(PreprocessingTests.Reference.GetProperty("y").EnumerateArray().Select(v => v.GetInt64()).ToArray());
        var scores = FeatureScoring.AnovaF(x, y);
        var f = PreprocessingTests.Reference.GetProperty("f").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var p = PreprocessingTests.Reference.GetProperty("p").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int j = 0; j < f.Length; j++)
        {
            Assert.Equal(f[j], scores.Scores[j], 1e-9 * f[j]);
            Assert.True(Math.Abs(p[j] - scores.Spread![j]) <= 1e-9 * Math.Max(p[j], 1e-12) + 1e-15, $"p[{j}]: {p[j]} vs {scores.Spread[j]}");
        }
        Assert.Equal(2, scores.Top(1)[0]);
    }

    [Fact]
    public void Permutation_importance_is_zero_for_an_ignored_feature_and_large_for_the_used_one()
    {
        var x = randn(200, 3, generator: new Generator(5));
        var y = (x[TensorIndex.Colon, 1] > 0).to_type(ScalarType.Int64);
        // A "model" that looks only at feature 1.
        Func<Tensor, Tensor> predict = rows => stack([-rows[TensorIndex.Colon, 1], rows[TensorIndex.Colon, 1]], 1);
        var importance = FeatureScoring.PermutationImportance(predict, x, y, NotebookKit.Training.Scorers.Accuracy, repeats: 3, seed: 1);
        Assert.Equal(0, importance.Scores[0]);
        Assert.Equal(0, importance.Scores[2]);
        Assert.InRange(importance.Scores[1], 0.3, 0.7); // a shuffled column is right about half the time
    }
}
