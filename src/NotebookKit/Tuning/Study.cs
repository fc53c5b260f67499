using System.Diagnostics;
using Microsoft.Data.Analysis;

namespace NotebookKit.Tuning;

/// <summary>
/// Orchestrates an optimisation (Optuna's study role): asks the sampler for parameters, runs the objective, hands
/// intermediate values to the pruner and records every trial in the storage. Introduced in 05-random-search.
/// <code>
/// var study = Study.Create("lr-search", StudyDirection.Minimize, new GpSampler(seed: 0));
/// study.Optimize(t => Loss(t.SuggestFloat("lr", 1e-5, 1e-1, log: true)), nTrials: 30);
/// study.BestParams
/// </code>
/// </summary>
public sealed class Study
{
    readonly object samplerGate = new();
    readonly Dictionary<int, Exception> exceptions = [];
    volatile bool stopRequested;

    public string Name { get; }
    public StudyDirection Direction { get; }
    public ISampler Sampler { get; }
    public IPruner Pruner { get; }
    public IStudyStorage Storage { get; }
    internal int StudyId { get; }

    Study(string name, StudyDirection direction, ISampler sampler, IPruner pruner, IStudyStorage storage, int id) =>
        (Name, Direction, Sampler, Pruner, Storage, StudyId) = (name, direction, sampler, pruner, storage, id);

    /// <summary>
    /// Creates a study (in memory unless <paramref name="storage"/> is given). With <paramref name="loadIfExists"/>
    /// an existing study of that name is resumed: its finished trials are kept, and trials left Running by a
    /// process that no longer exists are marked Failed.
    /// </summary>
    public static Study Create(string? name = null, StudyDirection direction = StudyDirection.Minimize, ISampler? sampler = null,
        IPruner? pruner = null, IStudyStorage? storage = null, bool loadIfExists = false)
    {
        name ??= "study-" + Guid.NewGuid().ToString("N")[..8];
        storage ??= new InMemoryStorage();
        int id = storage.CreateStudy(name, direction, loadIfExists);
        storage.FailStaleTrials(id);
        return new Study(name, direction, sampler ?? new RandomSampler(), pruner ?? new NopPruner(), storage, id);
    }

    /// <summary>Creates (or with <paramref name="loadIfExists"/> resumes) a study in the storage at
    /// <paramref name="storage"/>, a URL for <see cref="StudyStorage.Open"/> such as <c>sqlite:///study.db</c>.</summary>
    public static Study Create(string? name, string storage, StudyDirection direction = StudyDirection.Minimize,
        ISampler? sampler = null, IPruner? pruner = null, bool loadIfExists = false) =>
        Create(name, direction, sampler, pruner, StudyStorage.Open(storage), loadIfExists);

    /// <summary>Resumes the study <paramref name="name"/> kept at the storage URL <paramref name="storage"/>.</summary>
    public static Study Load(string name, string storage, ISampler? sampler = null, IPruner? pruner = null) =>
        Load(name, StudyStorage.Open(storage), sampler, pruner);

    /// <summary>Resumes the study <paramref name="name"/> kept in <paramref name="storage"/>.</summary>
    public static Study Load(string name, IStudyStorage storage, ISampler? sampler = null, IPruner? pruner = null)
    {
        var found = storage.FindStudy(name) ?? throw new ArgumentException($"No study called '{name}' in this storage.", nameof(name));
        return Create(name, found.Direction, sampler, pruner, storage, loadIfExists: true);
    }

    /// <summary>
    /// Opens the stored study <paramref name="name"/> at the storage URL <paramref name="storage"/> to read it, writing nothing (<see cref="Load(string, IStudyStorage, ISampler?, IPruner?)"/>
    /// also fails stale trials): for plots, reports and <c>nbkit study</c> on a study that other workers are filling.
    /// </summary>
    public static Study Open(string name, string storage) => Open(name, StudyStorage.Open(storage));

    /// <inheritdoc cref="Open(string, string)"/>
    public static Study Open(string name, IStudyStorage storage)
    {
        var found = storage.FindStudy(name) ?? throw new ArgumentException($"No study called '{name}' in this storage.", nameof(name));
        return new Study(name, found.Direction, new RandomSampler(), new NopPruner(), storage, found.Id);
    }

    /// <summary>
    /// The study as it is now, for reading: its trials are read once, so plots and a report drawn from the copy agree
    /// with each other while workers go on adding trials.
    /// </summary>
    public Study Snapshot() => new(Name, Direction, Sampler, Pruner, Storage, StudyId) { pinned = GetTrials() };

    IReadOnlyList<FrozenTrial>? pinned;

    public IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states)
    {
        var trials = pinned?.Select(t => t.Clone()).ToArray() ?? Storage.GetTrials(StudyId);
        lock (exceptions)
            foreach (var t in trials) if (exceptions.TryGetValue(t.Number, out var e)) t.Exception = e;
        return states.Length == 0 ? trials : trials.Where(t => states.Contains(t.State)).ToArray();
    }

    /// <summary>The completed trial with the best value (lowest when minimising).</summary>
    public FrozenTrial BestTrial
    {
        get
        {
            var complete = GetTrials(TrialState.Complete);
            if (complete.Count == 0) throw new InvalidOperationException($"Study '{Name}' has no completed trial yet.");
            return Direction == StudyDirection.Minimize ? complete.MinBy(t => t.Value!.Value)! : complete.MaxBy(t => t.Value!.Value)!;
        }
    }

    public double BestValue => BestTrial.Value!.Value;
    public IReadOnlyDictionary<string, object> BestParams => BestTrial.Params;

    /// <summary>
    /// How many different parameter sets the study's trials (any state, waiting ones excluded) hold: equal to the
    /// number of those trials when no configuration was tried twice. Parameters compare by their internal values.
    /// </summary>
    public int DistinctParamSets() => GetTrials().Where(t => t.State != TrialState.Waiting)
        .Select(t => string.Join(";", t.InternalParams.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))
        .Distinct().Count();

    /// <summary>True when <paramref name="a"/> is strictly better than <paramref name="b"/> in this study's direction.</summary>
    public bool IsBetter(double a, double b) => Direction == StudyDirection.Minimize ? a < b : a > b;

    /// <summary>Fixes the parameters of a future trial (e.g. a known good configuration to start from).</summary>
    public void Enqueue(IReadOnlyDictionary<string, object?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Storage.EnqueueTrial(StudyId, parameters);
    }

    /// <summary>Starts a trial: claims an enqueued one or creates one, then lets the sampler sample the joint space.</summary>
    public Trial Ask()
    {
        var state = Storage.StartTrial(StudyId);
        lock (samplerGate)
        {
            var space = Sampler.InferRelativeSearchSpace(this, state);
            var relative = space.Count == 0 && Sampler is not GridSampler ? new Dictionary<string, double>() : Sampler.SampleRelative(this, state, space);
            // Recorded so that parallel workers' model-based samplers see this pending point before the objective asks for it.
            if (relative.Count > 0) SetSystemAttr(state, "relative_params", relative.ToDictionary(p => p.Key, p => (object?)p.Value));
            return new Trial(this, state, space, relative);
        }
    }

    internal double SampleIndependent(FrozenTrial trial, string name, Distribution distribution)
    {
        lock (samplerGate) return Sampler.SampleIndependent(this, trial, name, distribution);
    }

    internal void SetSystemAttr(FrozenTrial trial, string key, object? value)
    {
        Storage.SetAttr(StudyId, trial.Number, key, value, system: true);
        trial.SystemAttrs[key] = value;
    }

    /// <summary>Finishes a trial with its objective value; a NaN or infinite value fails it instead.</summary>
    public FrozenTrial Tell(Trial trial, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
            return Tell(trial, TrialState.Failed, error: new ArgumentException($"The objective returned {value}."));
        return Tell(trial, TrialState.Complete, value);
    }

    /// <summary>Finishes a trial in the given state; a Pruned trial keeps its last intermediate value.</summary>
    public FrozenTrial Tell(Trial trial, TrialState state, double? value = null, Exception? error = null)
    {
        if (state is TrialState.Running or TrialState.Waiting) throw new ArgumentException("A trial can only be told Complete, Pruned or Failed.", nameof(state));
        if (state == TrialState.Complete && value is null) throw new ArgumentException("A Complete trial needs a value.", nameof(value));
        if (state == TrialState.Pruned && value is null && trial.IntermediateValues.Count > 0)
            value = trial.IntermediateValues[trial.IntermediateValues.Keys.Max()];
        if (error is not null) lock (exceptions) exceptions[trial.Number] = error;
        Storage.FinishTrial(StudyId, trial.Number, state, value, error is null ? null : $"{error.GetType().Name}: {error.Message}");
        var frozen = trial.Snapshot.Clone();
        (frozen.State, frozen.Value, frozen.Exception, frozen.Complete) = (state, value, error, DateTime.UtcNow);
        frozen.Error = error?.Message;
        return frozen;
    }

    /// <summary>Asks running <see cref="Optimize"/> loops to start no further trials.</summary>
    public void Stop() => stopRequested = true;

    /// <summary>
    /// Runs the objective for <paramref name="nTrials"/> trials (per call; null = until <paramref name="timeout"/>, or
    /// until a grid is exhausted) on <paramref name="parallelism"/> worker threads. A TrialPrunedException marks
    /// the trial Pruned; any other exception marks it Failed, keeps the exception, and is rethrown unless
    /// <paramref name="catchExceptions"/>. A NaN objective value fails the trial without stopping the study.
    /// <paramref name="showProgress"/>: trials done, best so far, pruned and failed counts and ETA, updated in place in
    /// a notebook and as a line every few seconds on a console (see <see cref="OptimizeProgress"/>); quiet for runs
    /// shorter than <see cref="OptimizeProgress.Delay"/>.
    /// </summary>
    public void Optimize(Func<Trial, double> objective, int? nTrials = null, TimeSpan? timeout = null, int parallelism = 1,
        bool catchExceptions = false, Action<Study, FrozenTrial>? callback = null, bool showProgress = true)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (nTrials is < 0) throw new ArgumentOutOfRangeException(nameof(nTrials), "nTrials must be non-negative.");
        if (parallelism < 1) throw new ArgumentOutOfRangeException(nameof(parallelism), "parallelism must be at least 1.");
        if (nTrials is null && timeout is null && Sampler is not GridSampler)
            throw new ArgumentException("Give nTrials or a timeout (or use a GridSampler, which stops when the grid is done).");
        stopRequested = false;
        using var progress = showProgress ? OptimizeProgress.Start(this, nTrials, timeout) : null;
        if (progress is not null) callback = progress.Chain(callback);
        var clock = Stopwatch.StartNew();
        int started = 0;
        Exception? fatal = null;

        void Worker()
        {
            while (!stopRequested && Volatile.Read(ref fatal) is null)
            {
                if (timeout is TimeSpan limit && clock.Elapsed >= limit) return;
                if (nTrials is int n && Interlocked.Increment(ref started) > n) return;
                if (Sampler is GridSampler grid && grid.IsExhausted(this)) return;
                var trial = Ask();
                FrozenTrial frozen;
                try
                {
                    frozen = Tell(trial, objective(trial));
                }
                catch (TrialPrunedException)
                {
                    frozen = Tell(trial, TrialState.Pruned, error: null);
                }
                catch (Exception e)
                {
                    frozen = Tell(trial, TrialState.Failed, error: e);
                    if (!catchExceptions) { Interlocked.CompareExchange(ref fatal, e, null); return; }
                }
                callback?.Invoke(this, frozen);
            }
        }

        if (parallelism == 1) Worker();
        else
        {
            var threads = Enumerable.Range(0, parallelism).Select(_ => new Thread(Worker) { IsBackground = true }).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
        }
        if (fatal is not null) throw new TrialFailedException($"Trial failed: {fatal.GetType().Name}: {fatal.Message}", fatal);
    }

    /// <summary>
    /// One row per trial: number, state, value, duration_s, one params_&lt;name&gt; column per parameter (numbers
    /// as doubles, categoricals as strings) and user_attrs_&lt;key&gt; columns; missing entries are null.
    /// </summary>
    public DataFrame Trials => TrialsFrame(GetTrials());

    internal static DataFrame TrialsFrame(IReadOnlyList<FrozenTrial> trials)
    {
        var columns = new List<DataFrameColumn>
        {
            new Int32DataFrameColumn("number", trials.Select(t => t.Number)),
            new StringDataFrameColumn("state", trials.Select(t => t.State.ToString())),
            new DoubleDataFrameColumn("value", trials.Select(t => t.Value)),
            new DoubleDataFrameColumn("duration_s", trials.Select(t => t.Duration?.TotalSeconds)),
        };
        foreach (var name in trials.SelectMany(t => t.Distributions.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal))
        {
            bool numeric = trials.All(t => !t.Distributions.TryGetValue(name, out var d) || d is NumericDistribution);
            if (numeric)
                columns.Add(new DoubleDataFrameColumn("params_" + name,
                    trials.Select(t => t.Distributions.TryGetValue(name, out var d) ? Convert.ToDouble(d.ToExternal(t.InternalParams[name])) : (double?)null)));
            else
                columns.Add(new StringDataFrameColumn("params_" + name,
                    trials.Select(t => t.Distributions.TryGetValue(name, out var d) ? Convert.ToString(d.ToExternal(t.InternalParams[name]), System.Globalization.CultureInfo.InvariantCulture) : null)));
        }
        foreach (var key in trials.SelectMany(t => t.UserAttrs.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal))
            columns.Add(new StringDataFrameColumn("user_attrs_" + key,
                trials.Select(t => t.UserAttrs.TryGetValue(key, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null)));
        return new DataFrame(columns);
    }
}

/// <summary>Raised by <see cref="Study.Optimize"/> when an objective throws and exceptions are not caught; the trial is stored as Failed.</summary>
public sealed class TrialFailedException(string message, Exception inner) : Exception(message, inner);
