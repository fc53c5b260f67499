namespace NotebookKit.Tuning;

/// <summary>Thrown by an objective to stop a trial early; the study records it as Pruned.</summary>
public sealed class TrialPrunedException(string message = "Trial was pruned.") : Exception(message);

/// <summary>
/// A running trial, handed to the objective (define-by-run, as Optuna): each <c>Suggest*</c> call names a
/// parameter and its range and returns the sampler's value, so a search space may depend on earlier answers
/// (conditional spaces by construction). Asking the same name again returns the same value, and asking it with
/// another distribution throws.
/// </summary>
public sealed class Trial
{
    readonly Study study;
    readonly FrozenTrial state;
    readonly IReadOnlyDictionary<string, Distribution> relativeSpace;
    readonly IReadOnlyDictionary<string, double> relative;
    readonly IReadOnlyDictionary<string, object?> fixedParams;
    readonly Heartbeat? heartbeat;

    internal Trial(Study study, FrozenTrial state, IReadOnlyDictionary<string, Distribution> relativeSpace,
        IReadOnlyDictionary<string, double> relative, Heartbeat? heartbeat = null)
    {
        this.study = study;
        this.heartbeat = heartbeat;
        this.state = state;
        this.relativeSpace = relativeSpace;
        this.relative = relative;
        fixedParams = state.SystemAttrs.TryGetValue("fixed_params", out var f) && f is IReadOnlyDictionary<string, object?> d ? d
            : state.SystemAttrs.TryGetValue("fixed_params", out f) && f is IDictionary<string, object?> m ? m.AsReadOnly()
            : new Dictionary<string, object?>();
    }

    public int Number => state.Number;
    public Study Study => study;
    /// <summary>Parameters suggested so far, as the objective saw them.</summary>
    public IReadOnlyDictionary<string, object> Params => state.Params;
    public IReadOnlyDictionary<string, Distribution> Distributions => state.Distributions;
    public IReadOnlyDictionary<int, double> IntermediateValues => state.IntermediateValues;
    public IReadOnlyDictionary<string, object?> UserAttrs => state.UserAttrs;
    internal FrozenTrial Snapshot => state;

    /// <summary>True once this trial's heartbeat found it failed by another worker (its heartbeat had been silent for
    /// longer than the grace period): a long objective may check it and return early, as its result will not count.</summary>
    public bool Lost => heartbeat?.Lost ?? false;

    internal void StopHeartbeat() => heartbeat?.Dispose();

    /// <summary>A float in [low, high]; log-uniform with <paramref name="log"/>; on low + k·step with <paramref name="step"/>.</summary>
    public double SuggestFloat(string name, double low, double high, bool log = false, double? step = null) =>
        (double)Suggest(name, Named(name, () => new FloatDistribution(low, high, log, step)));

    /// <summary>An integer in [low, high] on low + k·step; log-scaled with <paramref name="log"/>.</summary>
    public int SuggestInt(string name, int low, int high, bool log = false, int step = 1) =>
        (int)Suggest(name, Named(name, () => new IntDistribution(low, high, log, step)));

    /// <summary>One of <paramref name="choices"/>.</summary>
    public T SuggestCategorical<T>(string name, params T[] choices) =>
        (T)Suggest(name, Named(name, () => new CategoricalDistribution(choices.Cast<object?>())))!;

    /// <summary>A distribution whose invalid settings are reported with the parameter's name.</summary>
    static Distribution Named(string name, Func<Distribution> make)
    {
        try { return make(); }
        catch (ArgumentException e) { throw new ArgumentException($"Parameter '{name}': {e.Message}", e.ParamName, e); }
    }

    object Suggest(string name, Distribution distribution)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A parameter needs a name.", nameof(name));
        lock (state)
        {
            if (state.Distributions.TryGetValue(name, out var earlier))
            {
                if (!earlier.SameAs(distribution))
                    throw new ArgumentException($"Parameter '{name}' was already suggested with {earlier.ToJson()} in trial {Number}; it cannot be asked again with {distribution.ToJson()}.");
                return distribution.ToExternal(state.InternalParams[name]);
            }
            double value;
            if (fixedParams.TryGetValue(name, out var fixedValue))
            {
                value = distribution.ToInternal(fixedValue!);
                if (!distribution.Contains(value))
                    throw new ArgumentException($"Enqueued value {fixedValue} for '{name}' is outside {distribution.ToJson()}.");
            }
            else if (distribution.IsSingle)
                value = distribution is NumericDistribution n ? n.FromUnit(0) : 0;
            else if (relative.TryGetValue(name, out var r) && relativeSpace.TryGetValue(name, out var rd) && rd.SameAs(distribution))
                value = r;
            else
                value = study.SampleIndependent(state, name, distribution);
            if (!distribution.Contains(value))
                throw new InvalidOperationException($"Sampler produced {value} for '{name}', outside {distribution.ToJson()}.");
            study.Storage.SetParam(study.StudyId, Number, name, distribution, value);
            state.Distributions[name] = distribution;
            state.InternalParams[name] = value;
            return distribution.ToExternal(value);
        }
    }

    /// <summary>Records an intermediate objective value (e.g. validation loss after an epoch) at <paramref name="step"/>.</summary>
    public void Report(double value, int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), "Steps must be non-negative.");
        if (double.IsNaN(value)) throw new ArgumentException($"Trial {Number} reported NaN at step {step}.", nameof(value));
        lock (state)
        {
            if (state.IntermediateValues.ContainsKey(step)) return; // as Optuna: the first report of a step wins
            study.Storage.SetIntermediate(study.StudyId, Number, step, value);
            state.IntermediateValues[step] = value;
        }
    }

    /// <summary>Asks the study's pruner whether this trial should stop now; throw <see cref="TrialPrunedException"/> if so.</summary>
    public bool ShouldPrune() => study.Pruner.Prune(study, state);

    /// <summary>Stores a user attribute (any JSON-serialisable value) with the trial; only while it is Running
    /// (<see cref="TrialNotRunningException"/> after it was told or failed).</summary>
    public void SetUserAttr(string key, object? value)
    {
        if (string.IsNullOrWhiteSpace(key)) throw new ArgumentException("A user attribute needs a key.", nameof(key));
        study.Storage.SetAttr(study.StudyId, Number, key, value, system: false);
        lock (state) state.UserAttrs[key] = value;
    }
}
