namespace NotebookKit.Training;

/// <summary>
/// Stops training when the monitored quantity has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> consecutive epochs (Keras semantics). Monitor "val_loss" (default), "loss", or the name of a
/// metric in <see cref="TrainOptions.Metrics"/>; losses are minimised, metrics maximised unless <see cref="Maximize"/> says otherwise.
/// With <see cref="RestoreBestWeights"/> the model ends with the weights of its best epoch.
/// </summary>
public sealed class EarlyStopping
{
    public string Monitor { get; init; } = "val_loss";
    public int Patience { get; init; } = 5;
    public double MinDelta { get; init; }
    public bool RestoreBestWeights { get; init; } = true;
    /// <summary>Null: minimise names ending in "loss", maximise everything else.</summary>
    public bool? Maximize { get; init; }

    internal bool IsMaximized => Maximize ?? !Monitor.EndsWith("loss", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="value"/> beats <paramref name="best"/> by more than MinDelta.</summary>
    internal bool Improves(double value, double best) =>
        !double.IsNaN(value) && (IsMaximized ? value > best + MinDelta : value < best - MinDelta);
}
