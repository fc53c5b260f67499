using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Training;

/// <summary>The trainer refuses what would train silently wrong, naming the argument, before the first step.</summary>
public class TrainerBadInputTests
{
    public TrainerBadInputTests() => Kit.Setup(seed: 1);

    static History Fit(Tensor x, Tensor y, TrainOptions? options = null, double lr = 0.1, nn.Module<Tensor, Tensor>? model = null)
    {
        model ??= Models.LinearRegression(2);
        return Trainer.Fit(model, x, y, Losses.MeanSquaredError, optim.SGD(model.parameters(), lr),
            options ?? new TrainOptions { Epochs = 2, ProgressEvery = 0 });
    }

    [Fact]
    public void Non_finite_data_is_refused_with_its_position()
    {
        var x = randn(8, 2);
        x[3, 1] = tensor(float.NaN);
        var e = Assert.Throws<ArgumentException>(() => Fit(x, randn(8)));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("[3, 1]", e.Message);
        var y = randn(8);
        y[5] = tensor(float.PositiveInfinity);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => Fit(randn(8, 2), y)).ParamName);
        var vy = randn(4);
        vy[0] = tensor(float.NaN);
        Assert.Equal("ValidationY", Assert.Throws<ArgumentException>(() =>
            Fit(randn(8, 2), randn(8), new TrainOptions { ValidationX = randn(4, 2), ValidationY = vy, ProgressEvery = 0 })).ParamName);
    }

    [Fact]
    public void Non_finite_settings_are_refused()
    {
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => Fit(randn(8, 2), randn(8), lr: double.NaN)).Message);
        Assert.Contains("ClipGradNorm", Assert.Throws<ArgumentOutOfRangeException>(() =>
            Fit(randn(8, 2), randn(8), new TrainOptions { ClipGradNorm = double.NaN })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Fit(randn(8, 2), randn(8), new TrainOptions { L2Penalty = double.NaN }));
    }

    [Fact]
    public void Output_and_target_shapes_that_would_broadcast_are_refused()
    {
        // [n, 1] outputs against [n] targets: MSE would average over an n x n matrix.
        var model = Models.Mlp(2, [4], 1);
        var e = Assert.Throws<ArgumentException>(() => Fit(randn(8, 2), randn(8), model: model));
        Assert.Contains("outputs [2, 1], targets [2]", e.Message);
    }

    [Fact]
    public void A_libtorch_shape_error_becomes_one_line_naming_the_shapes()
    {
        var model = Models.Mlp(3, [4], 2);
        var e = Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(model, randn(8, 2), tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1 }), Losses.CrossEntropy,
                optim.SGD(model.parameters(), 0.1), new TrainOptions { ProgressEvery = 0 }));
        Assert.Contains("[8, 2]", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void Divergence_warns_even_when_progress_is_silent()
    {
        Warnings.Clear();
        var history = Fit(randn(64, 2) * 1000, randn(64) * 1000, new TrainOptions { Epochs = 5, ProgressEvery = 0 }, lr: 10);
        Assert.True(history.Diverged);
        Assert.Contains(Warnings.Issued, w => w.Contains("diverged"));
    }
}
