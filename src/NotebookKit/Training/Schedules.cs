namespace NotebookKit.Training;

/// <summary>
/// A learning-rate schedule the trainer consults after each epoch: given the finished epoch (1-based), the initial
/// rate, the current rate and the monitored loss (validation loss if any, else training loss), it returns the rate
/// for the next epoch.
/// </summary>
public interface ILearningRateSchedule
{
    double Next(int epoch, double initialRate, double currentRate, double monitoredLoss);
}

/// <summary>Step decay: η_e = η₀ γ^⌊e / step⌋ (torch StepLR).</summary>
public sealed class StepDecay(int stepSize, double gamma = 0.1) : ILearningRateSchedule
{
    readonly int stepSize = stepSize >= 1 ? stepSize : throw new ArgumentOutOfRangeException(nameof(stepSize), "stepSize must be at least 1.");
    public double Next(int epoch, double initialRate, double currentRate, double monitoredLoss) => initialRate * Math.Pow(gamma, epoch / stepSize);
    public override string ToString() => $"step decay (x{gamma} every {stepSize})";
}

/// <summary>Exponential decay: η_e = η₀ γ^e (torch ExponentialLR).</summary>
public sealed class ExponentialDecay(double gamma) : ILearningRateSchedule
{
    readonly double gamma = gamma is > 0 and <= 1 ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), "gamma must be in (0, 1].");
    public double Next(int epoch, double initialRate, double currentRate, double monitoredLoss) => initialRate * Math.Pow(gamma, epoch);
    public override string ToString() => $"exponential (x{gamma} per epoch)";
}

/// <summary>Cosine annealing: η_e = η_min + (η₀ - η_min) (1 + cos(π e / T)) / 2, for e ≤ T (torch CosineAnnealingLR without restarts).</summary>
public sealed class CosineAnnealing(int totalEpochs, double minRate = 0) : ILearningRateSchedule
{
    readonly int total = totalEpochs >= 1 ? totalEpochs : throw new ArgumentOutOfRangeException(nameof(totalEpochs), "totalEpochs must be at least 1.");
    public double Next(int epoch, double initialRate, double currentRate, double monitoredLoss) =>
        minRate + (initialRate - minRate) * (1 + Math.Cos(Math.PI * Math.Min(epoch, total) / total)) / 2;
    public override string ToString() => $"cosine over {total} epochs";
}

/// <summary>
/// Reduce on plateau (torch ReduceLROnPlateau, mode min, relative threshold): when the monitored loss has not fallen
/// below best * (1 - minDelta) for more than <c>patience</c> epochs, multiply the rate by <c>factor</c> (not below minRate).
/// </summary>
public sealed class ReduceOnPlateau(double factor = 0.1, int patience = 10, double minDelta = 1e-4, double minRate = 0) : ILearningRateSchedule
{
    double best = double.PositiveInfinity;
    int badEpochs;

    public double Next(int epoch, double initialRate, double currentRate, double monitoredLoss)
    {
        if (factor is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(factor), "factor must be in (0, 1).");
        if (monitoredLoss < best * (1 - minDelta)) { best = monitoredLoss; badEpochs = 0; return currentRate; }
        if (++badEpochs <= patience) return currentRate;
        badEpochs = 0;
        return Math.Max(currentRate * factor, minRate);
    }

    public override string ToString() => $"reduce on plateau (x{factor} after {patience} flat epochs)";
}
