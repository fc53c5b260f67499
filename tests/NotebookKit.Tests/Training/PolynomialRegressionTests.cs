using NotebookKit.Setup;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Training;

public class PolynomialRegressionTests
{
    public PolynomialRegressionTests() => Kit.Setup(seed: 5);

    [Fact]
    public void Recovers_the_coefficients_of_a_noise_free_cubic()
    {
        // y = 1 - 2x + 0.5x² + 3x³ exactly: least squares must return these coefficients.
        var x = linspace(-1, 1, 25, dtype: float64).reshape(-1, 1);
        var xs = x.reshape(-1);
        var y = 1 - 2 * xs + 0.5 * xs.pow(2) + 3 * xs.pow(3);
        var model = new PolynomialRegression(3);
        model.Fit(x, y);
        var expected = new[] { 1.0, -2.0, 0.5, 3.0 };
        for (int d = 0; d < 4; d++) Assert.Equal(expected[d], model.Coefficients[d], 9);
        Assert.Equal(1 - 2 * 0.3 + 0.5 * 0.09 + 3 * 0.027, model.Predict(tensor(new[] { 0.3 }).reshape(1, 1)).item<double>(), 9);
    }

    [Fact]
    public void Degree_zero_predicts_the_training_mean()
    {
        var model = new PolynomialRegression(0);
        model.Fit(tensor(new[] { 1.0, 2.0, 3.0, 4.0 }).reshape(-1, 1), tensor(new[] { 2.0, 4.0, 9.0, 1.0 }));
        Assert.Equal(4.0, model.Predict(tensor(new[] { 10.0 }).reshape(1, 1)).item<double>(), 12);
    }

    [Fact]
    public void Bad_input_is_refused_with_a_clear_message()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialRegression(-1));
        var e = Assert.Throws<ArgumentException>(() => new PolynomialRegression(5).Fit(zeros(4, 1), zeros(4)));
        Assert.Contains("needs more than 5 rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => new PolynomialRegression(1).Fit(zeros(4, 2), zeros(4)));
        Assert.Contains("one feature", e.Message);
        Assert.Throws<InvalidOperationException>(() => new PolynomialRegression(1).Predict(zeros(2, 1)));
    }
}
