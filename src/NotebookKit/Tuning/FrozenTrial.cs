namespace NotebookKit.Tuning;

/// <summary>Life cycle of a trial: Waiting (enqueued), Running, then exactly one of Complete, Pruned or Failed.</summary>
public enum TrialState { Waiting, Running, Complete, Pruned, Failed }

public enum StudyDirection { Minimize, Maximize }

/// <summary>A snapshot of one trial as the storage holds it: what samplers, pruners and plots read.</summary>
public sealed class FrozenTrial
{
    public int Number { get; init; }
    public TrialState State { get; set; }
    /// <summary>The objective value (Complete), or the last reported intermediate value (Pruned).</summary>
    public double? Value { get; set; }
    public Dictionary<string, double> InternalParams { get; init; } = [];
    public Dictionary<string, Distribution> Distributions { get; init; } = [];
    public SortedDictionary<int, double> IntermediateValues { get; init; } = [];
    public Dictionary<string, object?> UserAttrs { get; init; } = [];
    /// <summary>Bookkeeping of samplers and pruners (e.g. fixed parameters of an enqueued trial, rungs reached).</summary>
    public Dictionary<string, object?> SystemAttrs { get; init; } = [];
    public DateTime? Start { get; set; }
    public DateTime? Complete { get; set; }
    /// <summary>Why a trial failed: the exception's type and message (kept across processes).</summary>
    public string? Error { get; set; }
    /// <summary>The exception itself, when the trial failed in this process.</summary>
    public Exception? Exception { get; set; }

    /// <summary>Parameters as the objective saw them: doubles, ints or categorical choices.</summary>
    public IReadOnlyDictionary<string, object> Params =>
        InternalParams.ToDictionary(p => p.Key, p => Distributions[p.Key].ToExternal(p.Value));

    /// <summary>Internal parameters so far, completed by the relative sample the trial was given when it started
    /// (for a running trial, the values its objective has not asked for yet).</summary>
    internal Dictionary<string, double> PendingParams()
    {
        var pending = new Dictionary<string, double>(InternalParams);
        if (SystemAttrs.TryGetValue("relative_params", out var r) && r is System.Collections.IDictionary d)
            foreach (System.Collections.DictionaryEntry e in d)
                if (e.Value is not null) pending.TryAdd((string)e.Key, Convert.ToDouble(e.Value, System.Globalization.CultureInfo.InvariantCulture));
        return pending;
    }

    public TimeSpan? Duration => Start is DateTime s && Complete is DateTime c ? c - s : null;
    public int? LastStep => IntermediateValues.Count == 0 ? null : IntermediateValues.Keys.Max();

    public FrozenTrial Clone() => new()
    {
        Number = Number, State = State, Value = Value,
        InternalParams = new(InternalParams), Distributions = new(Distributions),
        IntermediateValues = new(IntermediateValues), UserAttrs = new(UserAttrs), SystemAttrs = new(SystemAttrs),
        Start = Start, Complete = Complete, Error = Error, Exception = Exception,
    };

    public override string ToString() =>
        $"Trial {Number} {State} value={Value?.ToString("G6") ?? "-"} " + string.Join(", ", Params.Select(p => $"{p.Key}={p.Value}"));
}
