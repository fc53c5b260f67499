using NotebookKit.Data;
using NotebookKit.Setup;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Data;

public class OutOfFoldPredictTests
{
    public OutOfFoldPredictTests() => Kit.Setup(seed: 2);

    [Fact]
    public void Each_row_is_predicted_by_the_model_fitted_on_the_other_folds()
    {
        var g = new Generator(4);
        var x = randn(new long[] { 30, 3 }, generator: g, dtype: float64);
        var y = randint(0, 2, new long[] { 30 }, generator: g);
        var cv = new KFold(3, shuffle: true, seed: 1);
        var outputs = CrossValidation.Predict(() => new NearestCentroid(), x, y, cv);
        Assert.Equal(new long[] { 30, 2 }, outputs.shape);
        foreach (var (train, test) in cv.Split(30))
        {
            // Fitted here by hand on the training rows, not through CrossValidation.
            var model = new NearestCentroid();
            model.Fit(x[tensor(train)], y[tensor(train)]);
            var expected = model.Predict(x[tensor(test)]);
            Assert.True(expected.allclose(outputs[tensor(test)], rtol: 0, atol: 1e-12));
        }
    }

    [Fact]
    public void A_splitter_that_does_not_test_every_row_once_is_refused()
    {
        var x = zeros(20, 2);
        var y = zeros(20, dtype: ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() =>
            CrossValidation.Predict(() => new NearestCentroid(), x, y, new ShuffleSplit(4, testFraction: 0.3, seed: 0)));   // 4 x 6 > 20 rows: some row twice
        Assert.Contains("twice", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            CrossValidation.Predict(() => new NearestCentroid(), x, y, new ShuffleSplit(1, testFraction: 0.3, seed: 0)));
        Assert.Contains("never tests row", e.Message);
    }

    [Fact]
    public void Negated_curve_turns_a_negative_error_into_an_error_for_a_log_axis()
    {
        var curve = CrossValidation.ValidationCurve(d => new PolynomialRegression((int)d), "degree", [1, 3],
            linspace(-1, 1, 20, dtype: float64).reshape(-1, 1), linspace(-1, 1, 20, dtype: float64).pow(3),
            new KFold(4), "negative MSE", Scorers.NegMeanSquaredError).Negated("MSE");
        Assert.Equal("MSE", curve.Scorer);
        Assert.All(curve.TrainMean, m => Assert.True(m >= 0));
        Assert.True(curve.ValidationMean[1] < 1e-20);   // the cubic fits y = x³ exactly
        Assert.Equal("log", curve.Chart(logY: true).Layout.YAxis!.Type);
    }
}
