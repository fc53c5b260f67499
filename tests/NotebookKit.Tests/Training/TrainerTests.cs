using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Training;

public class TrainerTests
{
    public TrainerTests() => Kit.Setup(seed: 1);

    /// <summary>y = 3 x0 - 2 x1 + 1 with small noise: a problem whose solution is known in closed form.</summary>
    static (Tensor X, Tensor Y) LinearProblem(int n = 256)
    {
        var x = randn(n, 2);
        var y = 3 * x[.., 0] - 2 * x[.., 1] + 1 + 0.01 * randn(n);
        return (x, y);
    }

    [Fact]
    public void TorchSharp_trains_here_and_recovers_a_known_linear_model()
    {
        var (x, y) = LinearProblem();
        var model = Models.LinearRegression(2);
        var history = Trainer.Fit(model, x, y, Losses.MeanSquaredError, optim.SGD(model.parameters(), 0.1),
            new TrainOptions { Epochs = 30, BatchSize = 32, ProgressEvery = 0 });
        Assert.True(history.TrainLoss[^1] < history.TrainLoss[0] / 100, $"loss {history.TrainLoss[0]} -> {history.TrainLoss[^1]}");
        var weight = model.parameters().First().cpu().data<float>().ToArray();
        Assert.Equal(3.0, weight[0], 1);
        Assert.Equal(-2.0, weight[1], 1);
    }

    [Fact]
    public void A_model_on_another_device_is_a_clear_error_not_a_silent_move()
    {
        // Moving a TorchSharp module replaces its parameters, so an optimizer made before the move would train stale
        // tensors. The meta device stands in for a GPU here: the model is "elsewhere", the trainer must refuse.
        var (x, y) = LinearProblem(32);
        var model = Models.LinearRegression(2).to(new Device(DeviceType.META));
        var before = model.parameters().First();
        var e = Assert.Throws<InvalidOperationException>(() =>
            Trainer.Fit(model, x, y, Losses.MeanSquaredError, optim.SGD(model.parameters(), 0.1), new TrainOptions { Device = CPU, ProgressEvery = 0 }));
        Assert.Contains("create the optimizer after", e.Message);
        Assert.Same(before, model.parameters().First()); // nothing was moved
    }

    [Fact]
    public void Model_builders_put_the_model_on_the_kit_device()
    {
        foreach (var model in new[] { Models.LogisticRegression(3, 2), Models.LinearRegression(3), Models.Mlp(3, [4], 2), Models.DigitsCnn(channels: 2, hidden: 4) })
            Assert.All(model.parameters(), p =>
            {
                Assert.Equal(Kit.Device.type, p.device.type);
                // On a GPU, the same index too: Kit.Device says cuda:0, as the tensors do, so moving again copies nothing.
                if (p.device.type == DeviceType.CUDA) Assert.Equal(Kit.Device.index, p.device.index);
            });
    }

    [Fact]
    public void Live_tensor_count_does_not_grow_across_epochs()
    {
        var (x, y) = LinearProblem(512);
        var model = Models.Mlp(2, [32, 32], 1);
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        Func<Tensor, Tensor, Tensor> loss = (p, t) => nn.functional.mse_loss(p.squeeze(1), t);
        Trainer.Fit(model, x, y, loss, optimizer, new TrainOptions { Epochs = 3, BatchSize = 16, ProgressEvery = 0, ValidationX = x, ValidationY = y });
        long afterWarmUp = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Trainer.Fit(model, x, y, loss, optimizer, new TrainOptions { Epochs = 30, BatchSize = 16, ProgressEvery = 0, ValidationX = x, ValidationY = y });
        long afterMany = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(afterMany - afterWarmUp <= 2, $"live tensors grew from {afterWarmUp} to {afterMany} over 30 epochs");
    }

    [Fact]
    public void Predict_runs_in_eval_mode_without_gradients_and_restores_training_mode()
    {
        var model = Models.Mlp(2, [8], 2, dropout: 0.5);
        model.train();
        var x = randn(10, 2);
        var a = Trainer.Predict(model, x);
        var b = Trainer.Predict(model, x);
        Assert.False(a.requires_grad);
        Assert.True(a.allclose(b)); // dropout is off in eval mode, so predictions repeat
        Assert.True(model.training);
    }

    [Fact]
    public void Mismatched_rows_are_a_clear_error()
    {
        var model = Models.LinearRegression(2);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, randn(10, 2), randn(9), Losses.MeanSquaredError, optim.SGD(model.parameters(), 0.1)));
        Assert.Contains("10 rows", e.Message);
    }
}
