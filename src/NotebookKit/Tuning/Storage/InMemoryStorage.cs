namespace NotebookKit.Tuning;

/// <summary>Keeps studies in this process's memory; thread-safe. The default when a study has no storage URL.</summary>
public sealed class InMemoryStorage : IStudyStorage
{
    sealed record StudyRecord(string Name, StudyDirection Direction, List<FrozenTrial> Trials);
    readonly List<StudyRecord> studies = [];
    readonly object gate = new();

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


    public FrozenTrial StartTrial(int studyId)
    {
        lock (gate)
        {
            var trials = studies[studyId].Trials;
            var trial = trials.FirstOrDefault(t => t.State == TrialState.Waiting);
            if (trial is null) trials.Add(trial = new FrozenTrial { Number = trials.Count });
            trial.State = TrialState.Running;
            trial.Start = DateTime.UtcNow;
            return trial.Clone();
        }
    }

    public int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams)
    {
        lock (gate)
        {
            var trials = studies[studyId].Trials;
            var trial = new FrozenTrial { Number = trials.Count, State = TrialState.Waiting };
            trial.SystemAttrs["fixed_params"] = new Dictionary<string, object?>(fixedParams);
            trials.Add(trial);
            return trial.Number;
        }
    }

    FrozenTrial Running(int studyId, int number)
    {
        var trial = studies[studyId].Trials[number];
        if (trial.State != TrialState.Running)
            throw new InvalidOperationException($"Trial {number} is {trial.State}, not Running; it cannot be changed.");
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
            var trial = studies[studyId].Trials[number];
            (system ? trial.SystemAttrs : trial.UserAttrs)[key] = value;
        }
    }

    public void FinishTrial(int studyId, int number, TrialState state, double? value, string? error)
    {
        lock (gate)
        {
            var trial = Running(studyId, number);
            (trial.State, trial.Value, trial.Error, trial.Complete) = (state, value, error, DateTime.UtcNow);
        }
    }

    public IReadOnlyList<FrozenTrial> GetTrials(int studyId)
    {
        lock (gate) return studies[studyId].Trials.Select(t => t.Clone()).ToArray();
    }

    /// <summary>In memory, a trial's worker is this process, so nothing is ever stale.</summary>
    public IReadOnlyList<int> FailStaleTrials(int studyId) => [];
}
