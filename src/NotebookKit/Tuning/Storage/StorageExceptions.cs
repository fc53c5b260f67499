namespace NotebookKit.Tuning;

/// <summary>
/// A write to a trial that is no longer Running: it finished, or another worker failed it (its heartbeat had stopped
/// for longer than the grace period). <see cref="Study.Optimize"/> records such a lost trial and goes on.
/// </summary>
public sealed class TrialNotRunningException(int number, TrialState state, string? reason)
    : InvalidOperationException($"Trial {number} is {state}, not Running; it cannot be changed."
        + (reason is null ? "" : $" ({reason})"))
{
    public int Number { get; } = number;
    public TrialState State { get; } = state;
}

/// <summary>A storage operation failed after the storage was opened; the message names the database (URL or file).</summary>
public sealed class StudyStorageException(string message, Exception inner) : InvalidOperationException(message, inner);
