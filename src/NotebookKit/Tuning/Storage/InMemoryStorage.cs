namespace NotebookKit.Tuning;

/// <summary>Keeps studies in this process's memory; thread-safe. The default when a study has no storage URL
/// (<c>memory</c>, or <c>memory?retries=1</c>). Every trial belongs to this process, so no heartbeat is needed.</summary>
public sealed class InMemoryStorage : IStudyStorage
{
    sealed record StudyRecord(string Name, StudyDirection Direction, List<FrozenTrial> Trials);
    readonly List<StudyRecord> studies = [];
    readonly object gate = new();
    readonly int retries;

    public TimeSpan? HeartbeatInterval => null;
    public TimeSpan GracePeriod => Timeout.InfiniteTimeSpan;
    /// <summary>How many times a failed trial's parameters are enqueued again (see <see cref="IStudyStorage.FinishTrial"/>).</summary>
    public int Retries { get => retries; init => retries = Durability.NonNegative(value); }

    public int CreateStudy(string name, StudyDirection direction, bool loadIfExists)
    {
        lock (gate)
        {
            int existing = studies.FindIndex(s => s.Name == name);
            if (existing >= 0)
            {
                if (!loadIfExists) throw new InvalidOperationException($"Study '{name}' already exists; pass loadIfExists: true to resume it.");
                if (studies[existing].Direction != direction)
                    throw new ArgumentException($"Study '{name}' exists with direction {studies[existing].Direction}, not {direction}.");
                return existing;
            }
            studies.Add(new StudyRecord(name, direction, []));
            return studies.Count - 1;
        }
    }

    public (int Id, StudyDirection Direction)? FindStudy(string name)
    {
        lock (gate)
        {
            int i = studies.FindIndex(s => s.Name == name);
            return i < 0 ? null : (i, studies[i].Direction);
        }
    }

    public IReadOnlyList<(int Id, string Name, StudyDirection Direction)> GetStudies()
    {
        lock (gate) return studies.Select((s, i) => (i, s.Name, s.Direction)).OrderBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }


    public FrozenTrial StartTrial(int studyId) => TryStartTrial(studyId, int.MaxValue)!;

    public FrozenTrial? TryStartTrial(int studyId, int completeLimit)
    {
        lock (gate)
        {
            var trials = studies[studyId].Trials;
            if (trials.Count(t => t.State is TrialState.Complete or TrialState.Running) >= completeLimit) return null;
            var trial = trials.FirstOrDefault(t => t.State == TrialState.Waiting);
            if (trial is null) trials.Add(trial = new FrozenTrial { Number = trials.Count });
            trial.State = TrialState.Running;
            trial.Start = DateTime.UtcNow;
            return trial.Clone();
        }
    }

    public int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams)
    {
        lock (gate) return Enqueue(studies[studyId].Trials, fixedParams, null);
    }

    static int Enqueue(List<FrozenTrial> trials, IReadOnlyDictionary<string, object?> fixedParams, Dictionary<string, object?>? attrs)
    {
        var trial = new FrozenTrial { Number = trials.Count, State = TrialState.Waiting };
        trial.SystemAttrs["fixed_params"] = new Dictionary<string, object?>(fixedParams);
        foreach (var (k, v) in attrs ?? []) trial.SystemAttrs[k] = v;
        trials.Add(trial);
        return trial.Number;
    }

    FrozenTrial Running(int studyId, int number)
    {
        var trials = studies[studyId].Trials;
        if (number < 0 || number >= trials.Count) throw new ArgumentException($"Trial {number} does not exist.");
        var trial = trials[number];
        if (trial.State != TrialState.Running) throw new TrialNotRunningException(number, trial.State, trial.Error);
        return trial;
    }

    public void SetParam(int studyId, int number, string name, Distribution distribution, double internalValue)
    {
        lock (gate)
        {
            var trial = Running(studyId, number);
            trial.Distributions[name] = distribution;
            trial.InternalParams[name] = internalValue;
        }
    }

    public void SetIntermediate(int studyId, int number, int step, double value)
    {
        lock (gate) Running(studyId, number).IntermediateValues[step] = value;
    }

    public void SetAttr(int studyId, int number, string key, object? value, bool system)
    {
        lock (gate)
        {
            var trial = Running(studyId, number);
            (system ? trial.SystemAttrs : trial.UserAttrs)[key] = value;
        }
    }

    public void Annotate(int studyId, int number, string key, object? value)
    {
        lock (gate) studies[studyId].Trials[number].SystemAttrs[key] = value;
    }

    public void FinishTrial(int studyId, int number, TrialState state, double? value, string? error)
    {
        lock (gate)
        {
            var trial = Running(studyId, number);
            (trial.State, trial.Value, trial.Error, trial.Complete) = (state, value, error, DateTime.UtcNow);
            if (state == TrialState.Failed && Durability.RetryOf(trial, Retries) is { } retry)
                Enqueue(studies[studyId].Trials, retry.Fixed, retry.SystemAttrs);
        }
    }

    public bool Heartbeat(int studyId, int number)
    {
        lock (gate) return studies[studyId].Trials[number].State == TrialState.Running;
    }

    public int CountTrials(int studyId, TrialState state)
    {
        lock (gate) return studies[studyId].Trials.Count(t => t.State == state);
    }

    public IReadOnlyList<FrozenTrial> GetTrials(int studyId)
    {
        lock (gate) return studies[studyId].Trials.Select(t => t.Clone()).ToArray();
    }

    public FrozenTrial GetTrial(int studyId, int number)
    {
        lock (gate) return studies[studyId].Trials[number].Clone();
    }

    /// <summary>In memory, a trial's worker is this process, so nothing is ever stale.</summary>
    public IReadOnlyList<int> FailStaleTrials(int studyId) => [];
}
