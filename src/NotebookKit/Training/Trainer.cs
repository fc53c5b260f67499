using System.Diagnostics;
using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Training;

/// <summary>Settings for <see cref="Trainer.Fit"/>.</summary>
public sealed class TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    /// <summary>Seeds the shuffling of mini-batches; defaults to the notebook's seed.</summary>
    public int? Seed { get; init; }
    public Tensor? ValidationX { get; init; }
    public Tensor? ValidationY { get; init; }
    /// <summary>Extra per-epoch metrics computed on validation (else training) predictions: name to (logits, labels) => value.</summary>
    public IReadOnlyDictionary<string, Func<Tensor, Tensor, double>>? Metrics { get; init; }
    /// <summary>Print a line every this many epochs (0 = silent). Lines stream live in a notebook.</summary>
    public int ProgressEvery { get; init; } = 1;
    /// <summary>Clip the global gradient norm to this value before each step.</summary>
    public double? ClipGradNorm { get; init; }
    public Device? Device { get; init; }
    /// <summary>Called after every optimiser step, e.g. to re-apply pruning masks (Compression.Pruner.ApplyMasks).</summary>
    public Action? AfterStep { get; init; }
}

/// <summary>
/// Trains TorchSharp modules on in-memory tensors (introduced in 00-getting-started). Data is moved to the device
/// once; each mini-batch is selected by index inside its own dispose scope, so memory does not grow across epochs;
/// evaluation runs under no_grad in eval mode.
/// </summary>
public static class Trainer
{
    public static History Fit(Module<Tensor, Tensor> model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        optim.Optimizer optimizer, TrainOptions? options = null)
    {
        options ??= new TrainOptions();
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), "Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        if (x.shape[0] != y.shape[0])
            throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        if (x.shape[0] == 0) throw new ArgumentException("Training data is empty.", nameof(x));
        if ((options.ValidationX is null) != (options.ValidationY is null))
            throw new ArgumentException("Give both ValidationX and ValidationY, or neither.", nameof(options));

        var device = options.Device ?? Kit.Device;
        model.to(device);
        using var data = NewDisposeScope();
        var xs = x.to(device);
        var ys = y.to(device);
        var vx = options.ValidationX?.to(device);
        var vy = options.ValidationY?.to(device);
        long n = xs.shape[0];
        var generator = new Generator((ulong)(options.Seed ?? Kit.Seed));
        var history = new History();
        var parameters = model.parameters().ToArray();

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            model.train();
            double lossSum = 0;
            using (var epochScope = NewDisposeScope())
            {
                var order = randperm(n, generator: generator).to(device);
                for (long start = 0; start < n; start += options.BatchSize)
                {
                    using var batchScope = NewDisposeScope();
                    var index = order.narrow(0, start, Math.Min(options.BatchSize, n - start));
                    var batchX = xs.index_select(0, index);
                    var batchY = ys.index_select(0, index);
                    optimizer.zero_grad();
                    var output = loss(model.call(batchX), batchY);
                    output.backward();
                    if (options.ClipGradNorm is double clip) nn.utils.clip_grad_norm_(parameters, clip);
                    optimizer.step();
                    options.AfterStep?.Invoke();
                    lossSum += output.item<float>() * index.shape[0];
                }
            }
            double trainLoss = lossSum / n;
            double? validationLoss = vx is null ? null : Evaluate(model, vx, vy!, loss);
            var metrics = new Dictionary<string, double>();
            if (options.Metrics is { Count: > 0 })
            {
                using var metricScope = NewDisposeScope();
                var (mx, my) = vx is null ? (xs, ys) : (vx, vy!);
                var logits = Predict(model, mx);
                foreach (var (name, metric) in options.Metrics) metrics[name] = metric(logits, my);
            }
            double lr = optimizer.ParamGroups.FirstOrDefault()?.LearningRate ?? double.NaN;
            var record = new EpochRecord(epoch, trainLoss, validationLoss, metrics, lr, clock.Elapsed.TotalSeconds);
            history.Epochs.Add(record);
            if (options.ProgressEvery > 0 && (epoch % options.ProgressEvery == 0 || epoch == options.Epochs || epoch == 1))
                Console.WriteLine(Describe(record, options.Epochs));
        }
        return history;
    }

    /// <summary>Model outputs for <paramref name="x"/>, in eval mode under no_grad, in batches; on the model's device.</summary>
    public static Tensor Predict(Module<Tensor, Tensor> model, Tensor x, int batchSize = 4096)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var device = DeviceOf(model);
            var parts = new List<Tensor>();
            for (long start = 0; start < x.shape[0]; start += batchSize)
                parts.Add(model.call(x.narrow(0, start, Math.Min(batchSize, x.shape[0] - start)).to(device)));
            return cat(parts, 0).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>Mean loss over <paramref name="x"/>, under no_grad.</summary>
    public static double Evaluate(Module<Tensor, Tensor> model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return loss(Predict(model, x), y.to(DeviceOf(model))).to_type(ScalarType.Float64).item<double>();
    }

    /// <summary>Fraction of rows whose arg-max logit equals the label.</summary>
    public static double Accuracy(Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var predicted = Predict(model, x).argmax(1);
        return predicted.eq(y.to(predicted.device)).to_type(ScalarType.Float64).mean().item<double>();
    }

    public static Device DeviceOf(Module<Tensor, Tensor> model) =>
        model.parameters().FirstOrDefault()?.device ?? Kit.Device;

    static string Describe(EpochRecord r, int epochs)
    {
        var text = $"epoch {r.Epoch,3}/{epochs}  train loss {r.TrainLoss:0.0000}";
        if (r.ValidationLoss is double v) text += $"  val loss {v:0.0000}";
        foreach (var (name, value) in r.Metrics) text += $"  {name} {value:0.0000}";
        return text + $"  ({r.Seconds:0.00} s)";
    }
}

/// <summary>Loss functions in the shape the trainer takes.</summary>
public static class Losses
{
    public static Tensor CrossEntropy(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);
    public static Tensor MeanSquaredError(Tensor predictions, Tensor targets) => nn.functional.mse_loss(predictions, targets);
}
