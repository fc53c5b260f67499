using NotebookKit.Display;
using NotebookKit.Optimizers;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Optimizers;

public class TrajectoriesAndComparisonTests
{
    public TrajectoriesAndComparisonTests() => Kit.Setup(seed: 1);

    [Fact]
    public void Test_functions_are_zero_at_their_published_minima()
    {
        Assert.Equal(0, TestFunction.Rosenbrock.At(1, 1), 12);
        Assert.Equal(0, TestFunction.Beale.At(3, 0.5), 12);
        Assert.Equal(0, TestFunction.NarrowValley.At(0, 0), 12);
        Assert.Equal(1 + 100, TestFunction.Rosenbrock.At(0, 1), 12);
    }

    [Fact]
    public void Gradient_descent_on_the_narrow_valley_converges_below_2_over_the_curvature_and_diverges_above()
    {
        // Along y the curvature is 10, so GD contracts by |1 - 10 lr| per step: stable iff lr < 0.2.
        var stable = Trajectories.Run("gd", TestFunction.NarrowValley, p => Scratch.GradientDescent(p, 0.19), steps: 100);
        var unstable = Trajectories.Run("gd", TestFunction.NarrowValley, p => Scratch.GradientDescent(p, 0.21), steps: 100);
        Assert.True(Math.Abs(stable.Y[^1]) < 1e-3, $"y {stable.Y[^1]}");
        Assert.True(Math.Abs(unstable.Y[^1]) > 10, $"y {unstable.Y[^1]}");
        // One GD step from the start is exactly p - lr * grad.
        Assert.Equal(-9 - 0.19 * (2 * -9 / 20.0), stable.X[1], 12);
        Assert.Equal(2 - 0.19 * (10 * 2), stable.Y[1], 12);
    }

    [Fact]
    public void Adam_reaches_the_Rosenbrock_minimum_neighbourhood_and_the_plot_has_a_contour_and_one_path_per_run()
    {
        var adam = Trajectories.Run("adam", TestFunction.Rosenbrock, p => Scratch.Adam(p, 0.05), steps: 1500);
        Assert.True(adam.FinalDistance(TestFunction.Rosenbrock) < 0.1, $"distance {adam.FinalDistance(TestFunction.Rosenbrock)}");
        var figure = Trajectories.Plot(TestFunction.Rosenbrock, [adam], resolution: 20);
        Assert.Equal("contour", figure.Data[0].Type);
        Assert.Equal(4, figure.Data.Count); // contour, path, its end marker, minimum
        Assert.Contains("\"showlegend\":false", figure.ToJson()); // the end marker shares the path's legend entry
        Assert.Contains("\"type\":\"contour\"", figure.ToJson());
    }

    [Fact]
    public void The_comparison_runs_every_optimizer_at_every_rate_from_the_same_start_and_flags_divergence()
    {
        var x = randn(128, 3, generator: new Generator(1));
        var y = x.matmul(tensor(new float[] { 1, -2, 0.5f })) + 0.3f;
        var result = OptimizerComparison.Run(() => Models.LinearRegression(3), x, y, Losses.MeanSquaredError,
            [new OptimizerCandidate("sgd", (p, lr) => Scratch.Sgd(p, lr)), OptimizerCandidate.Torch("torch sgd", (p, lr) => optim.SGD(p, lr))],
            [0.05, 3.0], epochs: 6, batchSize: 128, targetLoss: 3.5); // sgd at 0.05 crosses 3.5 within the 6 epochs
        Assert.Equal(4, result.Runs.Count);
        // Same seed, same data: ours and torch.optim give the same curve.
        Assert.Equal(result.Get("sgd", 0.05).History.TrainLoss, result.Get("torch sgd", 0.05).History.TrainLoss, (a, b) => Math.Abs(a - b) <= 1e-5 * Math.Abs(b));
        Assert.True(result.Get("sgd", 3.0).Diverged);
        Assert.False(result.Get("sgd", 0.05).Diverged);
        var run = result.Get("sgd", 0.05);
        // The final weights' loss on all rows is measured after training, apart from the last epoch's running mean.
        Assert.True(double.IsFinite(run.EndTrainLoss) && run.EndTrainLoss <= run.History.TrainLoss[0]);
        int e = Assert.IsType<int>(run.EpochsToTarget);
        Assert.True(run.History.TrainLoss[e - 1] <= 3.5 && (e == 1 || run.History.TrainLoss[e - 2] > 3.5));
        Assert.Equal(4, result.Table().Rows.Count);
        Assert.Equal(3, result.LossCurves().Data.Count); // best run per optimizer + target line
    }

    [Fact]
    public void The_sensitivity_chart_plots_the_final_weights_loss_not_the_last_epochs_mean()
    {
        var history = new History();
        history.Epochs.Add(new EpochRecord(1, 0.5, null, new Dictionary<string, double>(), 0.1, 0));
        var wrecked = new ComparisonRun("adam", 0.1, history, null, null, null, false) { EndTrainLoss = 2.7 };
        var unmeasured = new ComparisonRun("adam", 0.01, history, null, null, null, false);
        var trace = (Scatter)new ComparisonResult([wrecked, unmeasured], 0.3, null).Sensitivity().Data[0];
        Assert.Equal(new[] { 0.5, 2.7 }, (double[])trace.Y!);   // lr 0.01 falls back to its epoch mean
    }
}
