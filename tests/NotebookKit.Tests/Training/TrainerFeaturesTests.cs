using System.Diagnostics;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Training;

public class TrainerFeaturesTests
{
    public TrainerFeaturesTests() => Kit.Setup(seed: 1);

    static (Tensor X, Tensor Y) Blobs(int n = 200, int seed = 2)
    {
        var g = new Generator((ulong)seed);
        var x = randn(new long[] { n, 4 }, generator: g);
        var y = (x[TensorIndex.Colon, 0] - x[TensorIndex.Colon, 1] > 0).to_type(ScalarType.Int64);
        return (x, y);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement_and_restores_the_best_weights()
    {
        // Tiny noisy training set and a wide network: validation loss bottoms out early, then rises.
        var (x, y) = Blobs(40, 3);
        var flip = rand(40, generator: new Generator(4)) < 0.3;
        y = where(flip, 1 - y, y);
        var (vx, vy) = Blobs(400, 5);
        manual_seed(0);
        var model = Models.Mlp(4, [256, 256], 2);
        var history = Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.Adam(model.parameters(), 0.01),
            new TrainOptions { Epochs = 200, BatchSize = 8, ProgressEvery = 0, ValidationX = vx, ValidationY = vy,
                EarlyStopping = new EarlyStopping { Patience = 4 } });
        Assert.NotNull(history.StoppedEarlyAt);
        int best = history.BestEpoch!.Value;
        Assert.Equal(best + 4, history.StoppedEarlyAt);
        var losses = history.ValidationLoss;
        Assert.Equal(losses.Take(history.Epochs.Count).Min(), losses[best - 1]);
        // The model now has the best epoch's weights: its validation loss equals the best one, not the last.
        Assert.Equal(losses[best - 1], Trainer.Evaluate(model, vx, vy, Losses.CrossEntropy), 5);
        Assert.NotEqual(losses[^1], losses[best - 1], 5);
    }

    [Fact]
    public void Early_stopping_can_monitor_a_metric_that_is_maximised()
    {
        var (x, y) = Blobs();
        var model = Models.LogisticRegression(4, 2);
        var history = Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.SGD(model.parameters(), 0.5),
            new TrainOptions { Epochs = 60, ProgressEvery = 0, ValidationFraction = 0.25,
                Metrics = new Dictionary<string, Func<Tensor, Tensor, double>> { ["accuracy"] = Scorers.Accuracy },
                EarlyStopping = new EarlyStopping { Monitor = "accuracy", Patience = 3, RestoreBestWeights = false } });
        var accuracy = history.Metric("accuracy");
        Assert.Equal(accuracy.Max(), accuracy[history.BestEpoch!.Value - 1]);
        Assert.NotNull(history.StoppedEarlyAt); // accuracy on 25% of the rows plateaus well before 60 epochs
    }

    [Fact]
    public void A_validation_fraction_holds_out_a_stratified_share_and_reports_its_loss()
    {
        var (x, y) = Blobs(200);
        var model = Models.LogisticRegression(4, 2);
        var history = Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.SGD(model.parameters(), 0.1),
            new TrainOptions { Epochs = 2, ProgressEvery = 0, ValidationFraction = 0.2 });
        Assert.Equal(2, history.ValidationLoss.Count);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.SGD(model.parameters(), 0.1),
            new TrainOptions { ValidationFraction = 1.2 }));
        Assert.Contains("no validation data", Assert.Throws<ArgumentException>(() => Trainer.Fit(model, x, y, Losses.CrossEntropy,
            optim.SGD(model.parameters(), 0.1), new TrainOptions { EarlyStopping = new EarlyStopping() })).Message);
    }

    [Fact]
    public void Schedules_give_the_same_rates_as_torch_lr_schedulers()
    {
        var p = Models.LinearRegression(2).parameters();
        var cases = new (ILearningRateSchedule Ours, Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> Theirs)[]
        {
            (new StepDecay(3, 0.5), o => optim.lr_scheduler.StepLR(o, 3, 0.5)),
            (new ExponentialDecay(0.9), o => optim.lr_scheduler.ExponentialLR(o, 0.9)),
            (new CosineAnnealing(10, 0.001), o => optim.lr_scheduler.CosineAnnealingLR(o, 10, 0.001)),
        };
        foreach (var (ours, theirs) in cases)
        {
            var optimizer = optim.SGD(p, 0.1);
            var scheduler = theirs(optimizer);
            double rate = 0.1;
            for (int epoch = 1; epoch <= 10; epoch++)
            {
                scheduler.step();
                rate = ours.Next(epoch, 0.1, rate, 1.0);
                Assert.Equal(optimizer.ParamGroups.First().LearningRate, rate, 10);
            }
        }
    }

    [Fact]
    public void Reduce_on_plateau_cuts_the_rate_after_patience_flat_epochs()
    {
        var schedule = new ReduceOnPlateau(factor: 0.5, patience: 2);
        double rate = 1;
        double[] losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8];
        var rates = losses.Select((l, i) => rate = schedule.Next(i + 1, 1, rate, l)).ToArray();
        Assert.Equal([1, 1, 1, 1, 0.5, 0.5], rates);
    }

    [Fact]
    public void The_trainer_applies_the_schedule_and_records_the_rate_of_each_epoch()
    {
        var (x, y) = Blobs(64);
        var model = Models.LogisticRegression(4, 2);
        var history = Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.SGD(model.parameters(), 0.8),
            new TrainOptions { Epochs = 4, ProgressEvery = 0, Schedule = new StepDecay(1, 0.5) });
        Assert.Equal([0.8, 0.4, 0.2, 0.1], history.LearningRates.Select(r => Math.Round(r, 12)));
    }

    [Fact]
    public void L1_penalty_zeroes_useless_weights_and_L2_shrinks_the_weight_norm()
    {
        var (x, y) = Blobs(300);
        double NormAfter(TrainOptions o, out Tensor weights)
        {
            manual_seed(0);
            var model = Models.LogisticRegression(4, 2);
            Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.SGD(model.parameters(), 0.1), o);
            weights = model.parameters().First().detach().clone();
            return weights.norm().item<float>();
        }
        double plain = NormAfter(new TrainOptions { Epochs = 40, ProgressEvery = 0 }, out var w0);
        double l2 = NormAfter(new TrainOptions { Epochs = 40, ProgressEvery = 0, L2Penalty = 0.05 }, out _);
        NormAfter(new TrainOptions { Epochs = 40, ProgressEvery = 0, L1Penalty = 0.02 }, out var w1);
        Assert.True(l2 < 0.7 * plain, $"L2 norm {l2} vs plain {plain}");
        // Features 2 and 3 carry no signal: L1 drives their weights far closer to zero than plain training does.
        var useless = w1[TensorIndex.Colon, TensorIndex.Slice(2, 4)].abs().max().item<float>();
        var plainUseless = w0[TensorIndex.Colon, TensorIndex.Slice(2, 4)].abs().max().item<float>();
        Assert.True(useless < 0.02 && useless < plainUseless / 3, $"L1 useless weights {useless} vs plain {plainUseless}");
    }

    [Fact]
    public void A_checkpoint_holds_the_best_epoch_and_loads_into_a_fresh_model()
    {
        var (x, y) = Blobs(120);
        var path = Path.Combine(Path.GetTempPath(), $"nbkit-checkpoint-{Guid.NewGuid():N}.bin");
        try
        {
            var model = Models.Mlp(4, [16], 2);
            Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.Adam(model.parameters(), 0.01),
                new TrainOptions { Epochs = 8, ProgressEvery = 0, ValidationFraction = 0.25, CheckpointPath = path,
                    EarlyStopping = new EarlyStopping { Patience = 100 } });
            var fresh = Trainer.LoadCheckpoint(Models.Mlp(4, [16], 2), path);
            Assert.True(Trainer.Predict(fresh, x).allclose(Trainer.Predict(model, x)));
            Assert.Throws<FileNotFoundException>(() => Trainer.LoadCheckpoint(Models.Mlp(4, [16], 2), path + ".missing"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_diverging_run_stops_and_says_so()
    {
        var x = randn(64, 2) * 100;
        var y = x[TensorIndex.Colon, 0] * 50;
        var model = Models.LinearRegression(2);
        var history = Trainer.Fit(model, x, y, Losses.MeanSquaredError, optim.SGD(model.parameters(), 10.0),
            new TrainOptions { Epochs = 50, ProgressEvery = 0 });
        Assert.True(history.Diverged);
        Assert.True(history.Epochs.Count < 50);
    }

    [Fact]
    public void The_digits_cnn_maps_flat_8x8_rows_to_class_logits()
    {
        var model = Models.DigitsCnn();
        var output = Trainer.Predict(model, rand(5, 64));
        Assert.Equal(new long[] { 5, 10 }, output.shape);
    }
}

/// <summary>The process's working set is shared by every test running at the time: the test that measures it runs
/// alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ProcessMemory), DisableParallelization = true)]
public sealed class ProcessMemory;

[Collection(nameof(ProcessMemory))]
public class TrainerMemoryTests
{
    [Fact]
    public void Process_memory_and_live_tensors_do_not_grow_over_many_epochs()
    {
        // 1024 rows of 1024 features in batches of 32: 32 batches per epoch. Leaking one batch (32 x 1024 floats,
        // 128 KB, before its activations and gradients) per step would add more than 45 MB over 12 epochs.
        var x = randn(1024, 1024);
        var y = (x[TensorIndex.Colon, 0] > 0).to_type(ScalarType.Int64);
        var model = Models.Mlp(1024, [16], 2);
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        var options = new TrainOptions { Epochs = 3, BatchSize = 32, ProgressEvery = 0, ValidationX = x, ValidationY = y,
            Metrics = new Dictionary<string, Func<Tensor, Tensor, double>> { ["accuracy"] = Scorers.Accuracy } };
        Trainer.Fit(model, x, y, Losses.CrossEntropy, optimizer, options);
        GC.Collect(); GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        long memoryBefore = process.WorkingSet64;
        long tensorsBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Trainer.Fit(model, x, y, Losses.CrossEntropy, optimizer, new TrainOptions
        {
            Epochs = 12, BatchSize = 32, ProgressEvery = 0, ValidationX = x, ValidationY = y, Metrics = options.Metrics,
            EarlyStopping = new EarlyStopping { Patience = 1000 }, L2Penalty = 1e-4,
        });
        // No GC here: tensors are disposed by scope, not by finalizers, so nothing may be waiting for a collection.
        process.Refresh();
        long grownMb = (process.WorkingSet64 - memoryBefore) / (1024 * 1024);
        // A few handles may await the finalizer at any moment (seen: +4, one per parameter); a per-batch leak adds hundreds
        // (384 steps here; an injected leak of one batch tensor showed +192 even with collections running).
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - tensorsBefore <= 8, $"live tensors grew from {tensorsBefore} to {DisposeScopeManager.Statistics.ThreadTotalLiveCount}");
        // 25 MB of allocator slack was seen with no leak (twice, alone and beside other tests); a one-batch leak adds > 45.
        Assert.True(grownMb < 40, $"working set grew by {grownMb} MB over 12 epochs");
    }
}
