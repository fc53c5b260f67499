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

    /// <summary>One trial by number, read alone from the storage.</summary>
    public FrozenTrial GetTrial(int number)
    {
        var trial = pinned?.Single(t => t.Number == number).Clone() ?? Storage.GetTrial(StudyId, number);
        lock (exceptions) if (exceptions.TryGetValue(number, out var e)) trial.Exception = e;
        return trial;
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

    /// <summary>
    /// Starts a trial: claims an enqueued one or creates one, then lets the sampler sample the joint space. In a shared
    /// storage the trial's heartbeat runs from here until <see cref="Tell(Trial, TrialState, double?, Exception?)"/>,
    /// and trials of dead workers are failed on the way (at most once per heartbeat interval). A sampler error fails
    /// the trial, with the error recorded, and is thrown as a <see cref="TrialFailedException"/>.
    /// </summary>
    public Trial Ask()
    {
        FailStaleTrialsNowAndThen();
        return Begin(Storage.StartTrial(StudyId))!;
    }

    /// <summary>As <see cref="Ask"/>, but null once the study's Complete and Running trials reach <paramref name="completeLimit"/>.</summary>
    internal Trial? TryAsk(int completeLimit)
    {
        FailStaleTrialsNowAndThen();
        return Begin(Storage.TryStartTrial(StudyId, completeLimit));
    }

    Trial? Begin(FrozenTrial? state)
    {
        if (state is null) return null;
        var heartbeat = Heartbeat.Start(Storage, StudyId, state.Number, FailStaleTrialsNowAndThen);
        try
        {
            lock (samplerGate)
            {
                var space = Sampler.InferRelativeSearchSpace(this, state);
                var relative = space.Count == 0 && Sampler is not GridSampler ? new Dictionary<string, double>() : Sampler.SampleRelative(this, state, space);
                // Recorded so that parallel workers' model-based samplers see this pending point before the objective asks for it.
                if (relative.Count > 0) SetSystemAttr(state, "relative_params", relative.ToDictionary(p => p.Key, p => (object?)p.Value));
                return new Trial(this, state, space, relative, heartbeat);
            }
        }
        catch (Exception e)
        {
            // Never leave the trial Running: it is failed here with the error, which the caller gets as well.
            try { Storage.FinishTrial(StudyId, state.Number, TrialState.Failed, null, $"Sampler {Sampler.GetType().Name}: {e.GetType().Name}: {e.Message}"); }
            catch (Exception) { } // the storage failed too: the trial's heartbeat stops, and another worker fails it after the grace
            heartbeat?.Dispose();
            lock (exceptions) exceptions[state.Number] = e;
            throw new TrialFailedException($"Trial {state.Number} failed before its objective ran: {Sampler.GetType().Name} threw "
                + $"{e.GetType().Name}: {e.Message}", e, state.Number);
        }
    }

    long nextStaleCheck;

    /// <summary>Fails the trials of dead workers, at most once per heartbeat interval (a minute without heartbeats)
    /// per study object; called by every <see cref="Ask"/> and by each running trial's heartbeat thread.</summary>
    void FailStaleTrialsNowAndThen()
    {
        long now = Environment.TickCount64, due = Interlocked.Read(ref nextStaleCheck);
        var period = Storage.HeartbeatInterval ?? TimeSpan.FromMinutes(1);
        if (now < due || Interlocked.CompareExchange(ref nextStaleCheck, now + (long)period.TotalMilliseconds, due) != due) return;
        Storage.FailStaleTrials(StudyId);
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
        try
        {
            Storage.FinishTrial(StudyId, trial.Number, state, value, error is null ? null : $"{error.GetType().Name}: {error.Message}");
        }
        catch (TrialNotRunningException) { trial.StopHeartbeat(); throw; }
        // Any other storage error keeps the heartbeat: the caller may tell again.
        trial.StopHeartbeat();
        var frozen = trial.Snapshot.Clone();
        (frozen.State, frozen.Value, frozen.Exception, frozen.Complete) = (state, value, error, DateTime.UtcNow);
        frozen.Error = error?.Message;
        return frozen;
    }

    /// <summary>Asks running <see cref="Optimize"/> loops to start no further trials.</summary>
    public void Stop() => stopRequested = true;

    /// <summary>
    /// Runs the objective on <paramref name="parallelism"/> worker threads until <paramref name="nTrials"/> trials were
    /// started by this call, <paramref name="timeout"/> passes, the study holds <paramref name="untilComplete"/> Complete
    /// trials (counting every worker's, earlier runs' included), a grid is exhausted, or <see cref="Stop"/>. At least
    /// one limit is needed. With <paramref name="untilComplete"/> a trial is only started while Complete and Running
    /// trials number fewer (one atomic step in the storage), so workers sharing the study end with exactly that many
    /// unless some running ones fail; a worker that finds the remaining slots all taken waits for them to finish.
    /// <para>A TrialPrunedException marks the trial Pruned; a NaN objective value fails it without stopping. Errors, and
    /// <paramref name="catchExceptions"/>: an objective or sampler error fails its trial with the error recorded
    /// (<see cref="FrozenTrial.Error"/>, and <see cref="FrozenTrial.Exception"/> in this process); when caught the study
    /// goes on, otherwise every worker stops starting trials and Optimize throws a <see cref="TrialFailedException"/>.
    /// A storage error (the database unreachable or locked) fails nothing it cannot write: when caught the worker
    /// pauses (half a second, then a second) and tries again, and stops at the third in a row; uncaught, Optimize throws it (a
    /// <see cref="StudyStorageException"/> naming the database). A trial that another worker failed in the meantime
    /// (its heartbeat had stopped for longer than the grace period) is never an error: its result here is kept in the
    /// system attribute "late_result", a warning says so, and the study goes on. An exception thrown by
    /// <paramref name="callback"/> stops the study and is rethrown as it is. No exception ever escapes a worker thread.</para>
    /// <para><paramref name="showProgress"/>: trials done, best so far, pruned and failed counts and ETA, updated in place
    /// in a notebook and as a line every few seconds on a console (see <see cref="OptimizeProgress"/>); quiet for runs
    /// shorter than <see cref="OptimizeProgress.Delay"/>.</para>
    /// </summary>
    public void Optimize(Func<Trial, double> objective, int? nTrials = null, TimeSpan? timeout = null, int parallelism = 1,
        bool catchExceptions = false, Action<Study, FrozenTrial>? callback = null, int? untilComplete = null,
        bool showProgress = true)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (nTrials is < 0) throw new ArgumentOutOfRangeException(nameof(nTrials), "nTrials must be non-negative.");
        if (untilComplete is < 0) throw new ArgumentOutOfRangeException(nameof(untilComplete), "untilComplete must be non-negative.");
        if (parallelism < 1) throw new ArgumentOutOfRangeException(nameof(parallelism), "parallelism must be at least 1.");
        if (nTrials is null && timeout is null && untilComplete is null && Sampler is not GridSampler)
            throw new ArgumentException("Give nTrials, untilComplete or a timeout (or use a GridSampler, which stops when the grid is done).");
        stopRequested = false;
        using var progress = showProgress ? OptimizeProgress.Start(this, nTrials, timeout, untilComplete) : null;
        if (progress is not null) callback = progress.Chain(callback);
        var clock = Stopwatch.StartNew();
        int started = 0;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? fatal = null;
        void Fail(Exception e) => Interlocked.CompareExchange(ref fatal, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
        bool TimeLeft() => !(timeout is TimeSpan limit && clock.Elapsed >= limit);

        void Worker()
        {
            int storageErrors = 0;
            while (!stopRequested && Volatile.Read(ref fatal) is null && TimeLeft())
            {
                if (Sampler is GridSampler grid && grid.IsExhausted(this)) return;
                if (nTrials is int n && Interlocked.Increment(ref started) > n) return;
                Trial? trial;
                try
                {
                    trial = untilComplete is int m ? AskWithin(m, TimeLeft) : Ask();
                    if (trial is null) return;
                }
                catch (TrialFailedException e)
                {
                    if (!catchExceptions) Fail(e);
                    callback?.Invoke(this, GetTrial(e.TrialNumber));
                    continue;
                }
                catch (StudyStorageException) when (catchExceptions && ++storageErrors < 3)
                {
                    if (nTrials is not null) Interlocked.Decrement(ref started); // no trial was started
                    Thread.Sleep(TimeSpan.FromSeconds(0.5 * storageErrors)); // the storage may be restarting: pause, then try again
                    continue;
                }
                storageErrors = 0;
                var frozen = Run(trial, objective, catchExceptions, Fail);
                if (frozen is not null) callback?.Invoke(this, frozen);
            }
        }

        void Guarded()
        {
            try { Worker(); }
            catch (Exception e) { Fail(e); } // a storage error, uncaught by choice, or the callback's own
        }

        if (parallelism == 1) Guarded();
        else
        {
            var threads = Enumerable.Range(0, parallelism).Select(_ => new Thread(Guarded) { IsBackground = true }).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
        }
        fatal?.Throw();
    }

    /// <summary>Starts a trial while the study has room below <paramref name="completeLimit"/>; waits while the last
    /// slots are held by running trials (one may yet fail), and returns null once the limit is reached.</summary>
    Trial? AskWithin(int completeLimit, Func<bool> timeLeft)
    {
        while (!stopRequested && timeLeft())
        {
            if (TryAsk(completeLimit) is Trial trial) return trial;
            if (Storage.CountTrials(StudyId, TrialState.Complete) >= completeLimit) return null;
            Thread.Sleep(200);
        }
        return null;
    }

    /// <summary>Runs one trial and tells its outcome; null when the outcome could not be stored.</summary>
    FrozenTrial? Run(Trial trial, Func<Trial, double> objective, bool catchExceptions, Action<Exception> fail)
    {
        double value = double.NaN;
        Exception? error = null;
        bool pruned = false;
        try { value = objective(trial); }
        catch (TrialPrunedException) { pruned = true; }
        catch (Exception e) { error = e; }
        try
        {
            var frozen = pruned ? Tell(trial, TrialState.Pruned) : error is null ? Tell(trial, value) : Tell(trial, TrialState.Failed, error: error);
            if (error is not null && !catchExceptions)
                fail(new TrialFailedException($"Trial {trial.Number} failed: {error.GetType().Name}: {error.Message}", error, trial.Number));
            return frozen;
        }
        catch (TrialNotRunningException lost) when (lost.Number == trial.Number)
        {
            string result = pruned ? "Pruned" : error is not null ? $"Failed: {error.GetType().Name}: {error.Message}"
                : $"Complete: {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";
            try { Storage.Annotate(StudyId, trial.Number, "late_result", result); }
            catch (Exception) { } // the note is a courtesy; the trial's failure is already recorded
            Setup.Warnings.Issue($"Trial {trial.Number} of study '{Name}' was failed by another worker while this one ran it "
                + $"({lost.Message}). Its result here ({result}) is kept in the system attribute 'late_result'; the study goes on.");
            return GetTrial(trial.Number);
        }
        catch (Exception storageError)
        {
            // The outcome could not be stored: the heartbeat stops, so another worker fails the trial after the grace.
            trial.StopHeartbeat();
            if (!catchExceptions) fail(storageError);
            return null;
        }
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

/// <summary>Raised by <see cref="Study.Optimize"/> when an objective or the sampler throws and exceptions are not
/// caught, and by <see cref="Study.Ask"/> for a sampler error; the trial is stored as Failed with the error.</summary>
public sealed class TrialFailedException(string message, Exception inner, int trialNumber = -1) : Exception(message, inner)
{
    /// <summary>The failed trial's number (-1 when not known).</summary>
    public int TrialNumber { get; } = trialNumber;
}
