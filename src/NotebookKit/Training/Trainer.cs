using System.Diagnostics;
using NotebookKit.Data;
using NotebookKit.Optimizers;
using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Training;

/// <summary>Settings for <see cref="Trainer.Fit(Module{Tensor, Tensor}, Tensor, Tensor, Func{Tensor, Tensor, Tensor}, optim.Optimizer, TrainOptions?)"/>.</summary>
public sealed class TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    /// <summary>Seeds the shuffling of mini-batches (and the validation split); defaults to the notebook's seed.</summary>
    public int? Seed { get; init; }
    public Tensor? ValidationX { get; init; }
    public Tensor? ValidationY { get; init; }
    /// <summary>Hold out this fraction of (x, y) for validation (seeded; stratified when y holds class indices). Not with ValidationX.</summary>
    public double? ValidationFraction { get; init; }
    /// <summary>Extra per-epoch metrics computed on validation (else training) predictions: name to (outputs, labels) => value.</summary>
    public IReadOnlyDictionary<string, Func<Tensor, Tensor, double>>? Metrics { get; init; }
    /// <summary>Print a line every this many epochs (0 = silent). Lines stream live in a notebook.</summary>
    public int ProgressEvery { get; init; } = 1;
    /// <summary>Clip the global gradient norm to this value before each step.</summary>
    public double? ClipGradNorm { get; init; }
    /// <summary>λ₂: adds λ₂ Σ w² over weight matrices and kernels (tensors with 2+ dimensions; biases and norms are exempt) to the loss.</summary>
    public double L2Penalty { get; init; }
    /// <summary>λ₁: adds λ₁ Σ |w| over the same weights to the loss, pushing some weights to zero.</summary>
    public double L1Penalty { get; init; }
    public EarlyStopping? EarlyStopping { get; init; }
    /// <summary>Sets the learning rate after each epoch.</summary>
    public ILearningRateSchedule? Schedule { get; init; }
    /// <summary>Saves the model (TorchSharp format) here after each epoch that improves the early-stopping monitor, or after every epoch without one.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Stop as soon as the training loss is NaN or infinite (the run diverged).</summary>
    public bool StopOnDivergence { get; init; } = true;
    /// <summary>Where batches go (default Kit.Device). The model must already be there: the trainer does not move it.</summary>
    public Device? Device { get; init; }
    /// <summary>Called after every optimiser step, e.g. to re-apply pruning masks (Compression.Pruner.ApplyMasks).</summary>
    public Action? AfterStep { get; init; }
}

/// <summary>
/// Trains TorchSharp modules on in-memory tensors (introduced in 00-getting-started; early stopping, schedules and
/// penalties in 02-cross-validation-and-fitting). Data is moved to the device once; each mini-batch is selected by
/// index inside its own dispose scope, so memory does not grow across epochs; evaluation runs under no_grad in eval mode.
/// </summary>
public static class Trainer
{
    public static History Fit(Module<Tensor, Tensor> model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        optim.Optimizer optimizer, TrainOptions? options = null) =>
        Fit(model, x, y, loss, new TorchOptimizer(optimizer), options);

    public static History Fit(Module<Tensor, Tensor> model, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        IParameterOptimizer optimizer, TrainOptions? options = null)
    {
        options ??= new TrainOptions();
        Validate(x, y, options, optimizer.LearningRate);
        var device = options.Device ?? Kit.Device;
        RequireOn(model, device);
        int seed = options.Seed ?? Kit.Seed;
        using var data = NewDisposeScope();
        var (xs, ys, vx, vy) = Prepare(x, y, options, device, seed);
        CheckOutputFitsTarget(model, xs, ys, loss);
        long n = xs.shape[0];
        var generator = new Generator((ulong)seed);
        var history = new History { Monitor = options.EarlyStopping?.Monitor };
        var parameters = model.parameters().ToArray();
        var penalised = model.parameters().Where(p => p.dim() >= 2).ToArray();
        double initialRate = optimizer.LearningRate;
        var stopping = options.EarlyStopping;
        double best = stopping is { IsMaximized: true } ? double.NegativeInfinity : double.PositiveInfinity;
        Dictionary<string, Tensor>? bestState = null;
        int sinceBest = 0;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lr = optimizer.LearningRate;
            model.train();
            double trainLoss;
            using (var epochScope = NewDisposeScope())
            {
                // Summed on the device, so a GPU is not forced to synchronise after every batch.
                var lossSum = zeros(1, dtype: ScalarType.Float64, device: device);
                var order = randperm(n, generator: generator).to(device);
                for (long start = 0; start < n; start += options.BatchSize)
                {
                    using var batchScope = NewDisposeScope();
                    long size = Math.Min(options.BatchSize, n - start);
                    var index = order.narrow(0, start, size);
                    optimizer.ZeroGrad();
                    var output = loss(model.call(xs.index_select(0, index)), ys.index_select(0, index));
                    using var batchSize = size.ToScalar();
                    lossSum.PlusInPlace(output.detach().to_type(ScalarType.Float64) * batchSize);
                    if (options.L2Penalty != 0 || options.L1Penalty != 0) output = output.Plus(Penalty(penalised, options));
                    output.backward();
                    if (options.ClipGradNorm is double clip) nn.utils.clip_grad_norm_(parameters, clip);
                    optimizer.Step();
                    options.AfterStep?.Invoke();
                }
                trainLoss = lossSum.item<double>() / n;
            }
            double? validationLoss = null;
            var metrics = new Dictionary<string, double>();
            using (var evaluation = NewDisposeScope())
            {
                // One forward pass over the validation rows serves both the loss and the metrics.
                var validationOutputs = vx is null ? null : Predict(model, vx);
                if (validationOutputs is not null)
                    using (no_grad()) validationLoss = loss(validationOutputs, vy!).to_type(ScalarType.Float64).item<double>();
                if (options.Metrics is { Count: > 0 })
                {
                    var outputs = validationOutputs ?? Predict(model, xs);
                    foreach (var (name, metric) in options.Metrics) metrics[name] = metric(outputs, vx is null ? ys : vy!);
                }
            }
            var record = new EpochRecord(epoch, trainLoss, validationLoss, metrics, lr, clock.Elapsed.TotalSeconds);
            history.Epochs.Add(record);
            if (options.ProgressEvery > 0 && (epoch % options.ProgressEvery == 0 || epoch == options.Epochs || epoch == 1))
                Console.WriteLine(Describe(record, options.Epochs));

            if (!double.IsFinite(trainLoss))
            {
                history.Diverged = true;
                // A warning whatever ProgressEvery says: the weights returned are not usable.
                Warnings.Issue($"training diverged: the training loss is {trainLoss} at epoch {epoch}, so the model's weights are " +
                    "not usable. Lower the learning rate, clip gradients (ClipGradNorm) or check the data.");
                if (options.StopOnDivergence) break;
            }
            if (stopping is not null)
            {
                double value = Monitored(stopping.Monitor, record);
                if (stopping.Improves(value, best))
                {
                    best = value; sinceBest = 0; history.BestEpoch = epoch;
                    if (stopping.RestoreBestWeights) { DisposeState(bestState); bestState = Snapshot(model); }
                    if (options.CheckpointPath is string path) model.save(path);
                }
                else if (++sinceBest >= stopping.Patience)
                {
                    history.StoppedEarlyAt = epoch;
                    if (options.ProgressEvery > 0) Console.WriteLine($"early stop at epoch {epoch}: {stopping.Monitor} best {best:0.0000} at epoch {history.BestEpoch}");
                    break;
                }
            }
            else if (options.CheckpointPath is string path) model.save(path);
            if (options.Schedule is not null)
                optimizer.LearningRate = options.Schedule.Next(epoch, initialRate, lr, validationLoss ?? trainLoss);
        }
        if (bestState is not null)
        {
            Restore(model, bestState);
            DisposeState(bestState);
        }
        return history;
    }

    /// <summary>λ₂ Σ w² + λ₁ Σ |w| over the given weights.</summary>
    static Tensor Penalty(Parameter[] weights, TrainOptions options)
    {
        Tensor total = zeros(1, device: weights[0].device);
        using var l2 = options.L2Penalty.ToScalar();
        using var l1 = options.L1Penalty.ToScalar();
        foreach (var w in weights)
        {
            if (options.L2Penalty != 0) total = total.Plus((w * w).sum() * l2);
            if (options.L1Penalty != 0) total = total.Plus(w.abs().sum() * l1);
        }
        return total.squeeze();
    }

    static double Monitored(string monitor, EpochRecord r) => monitor switch
    {
        "val_loss" => r.ValidationLoss ?? throw new InvalidOperationException("EarlyStopping monitors val_loss but there is no validation data; give ValidationX/Y or ValidationFraction, or monitor \"loss\"."),
        "loss" or "train_loss" => r.TrainLoss,
        _ => r.Metrics.TryGetValue(monitor, out var v) ? v
            : throw new InvalidOperationException($"EarlyStopping monitors '{monitor}', which is neither val_loss, loss nor a metric ({string.Join(", ", r.Metrics.Keys)})."),
    };

    static Dictionary<string, Tensor> Snapshot(Module<Tensor, Tensor> model)
    {
        using var _ = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    static void Restore(Module<Tensor, Tensor> model, Dictionary<string, Tensor> state)
    {
        using var _ = no_grad();
        foreach (var (name, value) in model.state_dict()) value.copy_(state[name]);
    }

    static void DisposeState(Dictionary<string, Tensor>? state)
    {
        if (state is null) return;
        foreach (var t in state.Values) t.Dispose();
    }

    /// <summary>
    /// Runs the model and the loss on two rows before training, so a mismatch of output and target fails at once with
    /// one line naming both shapes, not with libtorch's C++ stack trace after the first epoch.
    /// </summary>
    static void CheckOutputFitsTarget(Module<Tensor, Tensor> model, Tensor xs, Tensor ys, Func<Tensor, Tensor, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            long rows = Math.Min(2, xs.shape[0]);
            var target = ys.narrow(0, 0, rows);
            Tensor output;
            try { output = model.call(xs.narrow(0, 0, rows)); }
            catch (Exception e) when (e is not ArgumentException)
            {
                throw new ArgumentException($"The model cannot take x of shape [{string.Join(", ", xs.shape)}]: {FirstLine(e.Message)}", "x", e);
            }
            string shapes = $"the model outputs [{string.Join(", ", output.shape.Skip(1))}] per row and y is [{string.Join(", ", target.shape.Skip(1))}] per row";
            try { loss(output, target); }
            catch (Exception e) when (e is not ArgumentException)
            {
                throw new ArgumentException($"The loss cannot compare outputs with y: {shapes}. {FirstLine(e.Message)}", "y", e);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>libtorch errors carry a C++ stack trace after the first line; the first line says what went wrong.</summary>
    static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    static void RequireFinite(Tensor? t, string name)
    {
        if (t is null || !t.is_floating_point()) return;
        using var scope = NewDisposeScope();
        var bad = isfinite(t).logical_not().nonzero();
        if (bad.shape[0] == 0) return;
        var at = string.Join(", ", bad[0].data<long>().ToArray());
        throw new ArgumentException($"{name} holds NaN or infinity (first at [{at}]); training on it gives NaN weights.", name);
    }

    static void RequirePositive(double? value, string name)
    {
        if (value is double v && !(double.IsFinite(v) && v > 0))
            throw new ArgumentOutOfRangeException(name, v, $"{name} must be a positive finite number, got {v}.");
    }

    static void Validate(Tensor x, Tensor y, TrainOptions options, double learningRate)
    {
        RequireFinite(x, "x");
        RequireFinite(y, "y");
        RequireFinite(options.ValidationX, "ValidationX");
        RequireFinite(options.ValidationY, "ValidationY");
        RequirePositive(learningRate, "learning rate");
        RequirePositive(options.ClipGradNorm, "ClipGradNorm");
        if (!(double.IsFinite(options.L1Penalty) && double.IsFinite(options.L2Penalty)))
            throw new ArgumentOutOfRangeException(nameof(options), "L1Penalty and L2Penalty must be finite.");
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), "Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        if (x.shape[0] != y.shape[0])
            throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        if (x.shape[0] == 0) throw new ArgumentException("Training data is empty.", nameof(x));
        if ((options.ValidationX is null) != (options.ValidationY is null))
            throw new ArgumentException("Give both ValidationX and ValidationY, or neither.", nameof(options));
        if (options.ValidationFraction is double f && (options.ValidationX is not null || f is <= 0 or >= 1 || double.IsNaN(f)))
            throw new ArgumentException($"ValidationFraction must be in (0, 1) and cannot be combined with ValidationX; got {f}.", nameof(options));
        if (options.L1Penalty < 0 || options.L2Penalty < 0) throw new ArgumentOutOfRangeException(nameof(options), "Penalties must be non-negative.");
        if (options.EarlyStopping is { Monitor: "val_loss" } && options.ValidationX is null && options.ValidationFraction is null)
            throw new ArgumentException("EarlyStopping monitors val_loss but there is no validation data; give ValidationX/Y or ValidationFraction, or monitor \"loss\".", nameof(options));
        if (options.EarlyStopping is { Patience: < 1 }) throw new ArgumentOutOfRangeException(nameof(options), "EarlyStopping.Patience must be at least 1.");
    }

    /// <summary>Moves data to the device once (outer scope) and carves out the validation split if asked.</summary>
    static (Tensor X, Tensor Y, Tensor? VX, Tensor? VY) Prepare(Tensor x, Tensor y, TrainOptions options, Device device, int seed)
    {
        if (options.ValidationFraction is not double fraction)
            return (x.to(device), y.to(device), options.ValidationX?.to(device), options.ValidationY?.to(device));
        int[]? labels = y.dtype == ScalarType.Int64 && y.dim() == 1 ? y.cpu().data<long>().Select(v => (int)v).ToArray() : null;
        var (train, validation) = Splits.TrainTestSplit((int)x.shape[0], fraction, seed, labels);
        var trainIndex = tensor(train, device: x.device);
        var validationIndex = tensor(validation, device: x.device);
        return (x.index_select(0, trainIndex).to(device), y.index_select(0, trainIndex.to(y.device)).to(device),
                x.index_select(0, validationIndex).to(device), y.index_select(0, validationIndex.to(y.device)).to(device));
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

    /// <summary>Fraction of rows whose arg-max output equals the label.</summary>
    public static double Accuracy(Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        return Scorers.Accuracy(Predict(model, x), y);
    }

    /// <summary>Loads a checkpoint written by <see cref="TrainOptions.CheckpointPath"/> into a model of the same architecture.</summary>
    public static Module<Tensor, Tensor> LoadCheckpoint(Module<Tensor, Tensor> model, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at {path}.", path);
        model.load(path);
        return model;
    }

    /// <summary>Where the model's weights live (parameters, or buffers for quantised layers); Kit.Device for an empty module.</summary>
    public static Device DeviceOf(Module<Tensor, Tensor> model) =>
        model.parameters().Select(p => p.device).Concat(model.buffers().Select(b => b.device)).FirstOrDefault() ?? Kit.Device;

    /// <summary>
    /// Training does not move the model: moving a TorchSharp module replaces its parameters, and the optimizer the caller
    /// made would go on updating the old ones (on a GPU, disposed tensors). So a model elsewhere is a clear error.
    /// </summary>
    static void RequireOn(Module<Tensor, Tensor> model, Device device)
    {
        var elsewhere = model.parameters().Select(p => p.device).FirstOrDefault(d => d.type != device.type || (device.type == DeviceType.CUDA && d.index != Math.Max(device.index, 0)));
        if (elsewhere is not null)
            throw new InvalidOperationException($"The model's parameters are on {elsewhere} but training runs on {device}. Move the model first " +
                $"(model.to(device), or build it with NotebookKit.Training.Models, which puts it on Kit.Device) and create the optimizer after that.");
    }

    static string Describe(EpochRecord r, int epochs)
    {
        var text = $"epoch {r.Epoch,3}/{epochs}  train loss {r.TrainLoss:0.0000}";
        if (r.ValidationLoss is double v) text += $"  val loss {v:0.0000}";
        foreach (var (name, value) in r.Metrics) text += $"  {name} {value:0.0000}";
        return text + $"  lr {r.LearningRate:g3}  ({r.Seconds:0.00} s)";
    }
}

/// <summary>Loss functions in the shape the trainer takes.</summary>
public static class Losses
{
    public static Tensor CrossEntropy(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);
    /// <summary>
    /// Mean squared error of predictions and targets of the same shape. Different shapes are refused: [n, 1] against
    /// [n] would broadcast to an n x n matrix and train on a silently wrong loss.
    /// </summary>
    public static Tensor MeanSquaredError(Tensor predictions, Tensor targets)
    {
        if (!predictions.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"Output and target shapes differ: outputs [{string.Join(", ", predictions.shape)}], targets " +
                $"[{string.Join(", ", targets.shape)}]. They must match (e.g. y.reshape(-1, 1) or output.squeeze(1)); " +
                "a broadcast loss would be silently wrong.", nameof(targets));
        return nn.functional.mse_loss(predictions, targets);
    }
}
