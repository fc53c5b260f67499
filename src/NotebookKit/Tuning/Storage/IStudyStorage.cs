namespace NotebookKit.Tuning;

/// <summary>
/// Persists studies and trials. Every write is a single call so that several workers (threads, or processes for
/// <see cref="SqliteStorage"/> and <see cref="PostgresStorage"/>) can share one storage: trial numbers are handed out
/// atomically, and a waiting (enqueued) trial is claimed by exactly one worker.
/// </summary>
public interface IStudyStorage
{
    /// <summary>How often a running trial's worker refreshes its heartbeat (Optuna's heartbeat_interval); null when
    /// the storage needs none (in memory) or heartbeats are off.</summary>
    TimeSpan? HeartbeatInterval { get; }
    /// <summary>How long a trial's heartbeat may be silent before any worker fails it (Optuna's grace_period).</summary>
    TimeSpan GracePeriod { get; }
    /// <summary>How many times a failed trial's parameters are enqueued again (0: never); see <see cref="FinishTrial"/>.</summary>
    int Retries { get; }

    /// <summary>Creates the study, or returns the existing one's id when <paramref name="loadIfExists"/>.</summary>
    int CreateStudy(string name, StudyDirection direction, bool loadIfExists);
    /// <summary>The id and direction of the study called <paramref name="name"/>, or null if there is none.</summary>
    (int Id, StudyDirection Direction)? FindStudy(string name);
    /// <summary>Every study in the storage, ordered by name (what <c>nbkit study list</c> shows).</summary>
    IReadOnlyList<(int Id, string Name, StudyDirection Direction)> GetStudies();
    /// <summary>Claims the oldest waiting trial or creates a new one; either way it is Running and owned by this process.</summary>
    FrozenTrial StartTrial(int studyId);
    /// <summary>As <see cref="StartTrial"/>, but only while the study's Complete and Running trials number fewer than
    /// <paramref name="completeLimit"/> (checked atomically with the start); null otherwise.</summary>
    FrozenTrial? TryStartTrial(int studyId, int completeLimit);
    /// <summary>Adds a Waiting trial whose listed parameters are fixed (stored as the system attribute "fixed_params").</summary>
    int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams);
    void SetParam(int studyId, int number, string name, Distribution distribution, double internalValue);
    void SetIntermediate(int studyId, int number, int step, double value);
    /// <summary>Sets a user or system attribute of a Running trial (<see cref="TrialNotRunningException"/> otherwise).</summary>
    void SetAttr(int studyId, int number, string key, object? value, bool system);
    /// <summary>Sets a system attribute of a trial in any state: the kit's notes about a finished trial, such as the
    /// result its worker reached after another worker had failed it.</summary>
    void Annotate(int studyId, int number, string key, object? value);
    /// <summary>Finishes a Running trial (<see cref="TrialNotRunningException"/> if it is not, e.g. another worker failed
    /// it). A Failed trial with fewer than <see cref="Retries"/> retries behind it is enqueued again with its parameters,
    /// in the same transaction; the copy's system attributes "retried_from" and "retry" name the trial and count.</summary>
    void FinishTrial(int studyId, int number, TrialState state, double? value, string? error);
    /// <summary>Refreshes the heartbeat of a Running trial of this process; false if the trial is no longer Running.</summary>
    bool Heartbeat(int studyId, int number);
    /// <summary>Snapshots of all trials, ordered by number.</summary>
    IReadOnlyList<FrozenTrial> GetTrials(int studyId);
    /// <summary>A snapshot of one trial (storages override this to read only that trial).</summary>
    FrozenTrial GetTrial(int studyId, int number) => GetTrials(studyId).Single(t => t.Number == number);
    /// <summary>How many of the study's trials are in <paramref name="state"/>.</summary>
    int CountTrials(int studyId, TrialState state);
    /// <summary>Fails Running trials whose worker is gone (its process ended on this machine, or its heartbeat is older
    /// than the grace period its worker promised), enqueueing retries as <see cref="FinishTrial"/> does; returns their numbers.</summary>
    IReadOnlyList<int> FailStaleTrials(int studyId);
}
