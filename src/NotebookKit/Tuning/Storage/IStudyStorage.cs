namespace NotebookKit.Tuning;

/// <summary>
/// Persists studies and trials. Every write is a single call so that several workers (threads, or processes for
/// <see cref="SqliteStorage"/>) can share one storage: trial numbers are handed out atomically, and a waiting
/// (enqueued) trial is claimed by exactly one worker.
/// </summary>
public interface IStudyStorage
{
    /// <summary>Creates the study, or returns the existing one's id when <paramref name="loadIfExists"/>.</summary>
    int CreateStudy(string name, StudyDirection direction, bool loadIfExists);
    /// <summary>The id and direction of the study called <paramref name="name"/>, or null if there is none.</summary>
    (int Id, StudyDirection Direction)? FindStudy(string name);
    /// <summary>Every study in the storage, ordered by name (what <c>nbkit study list</c> shows).</summary>
    IReadOnlyList<(int Id, string Name, StudyDirection Direction)> GetStudies();
    /// <summary>Claims the oldest waiting trial or creates a new one; either way it is Running and owned by this process.</summary>
    FrozenTrial StartTrial(int studyId);
    /// <summary>Adds a Waiting trial whose listed parameters are fixed (stored as the system attribute "fixed_params").</summary>
    int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams);
    void SetParam(int studyId, int number, string name, Distribution distribution, double internalValue);
    void SetIntermediate(int studyId, int number, int step, double value);
    void SetAttr(int studyId, int number, string key, object? value, bool system);
    /// <summary>Finishes a Running trial. Throws if it is no longer Running (e.g. another worker marked it failed).</summary>
    void FinishTrial(int studyId, int number, TrialState state, double? value, string? error);
    /// <summary>Snapshots of all trials, ordered by number.</summary>
    IReadOnlyList<FrozenTrial> GetTrials(int studyId);
    /// <summary>Marks Running trials whose worker process is gone as Failed; returns their numbers.</summary>
    IReadOnlyList<int> FailStaleTrials(int studyId);
}
