using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NotebookKit.Tuning;
using Xunit.Abstractions;

namespace NotebookKit.Tests.Tuning;

/// <summary>A theory that needs <c>unshare -u</c> (workers with host names of their own); skipped, with the reason,
/// only where the machine does not permit it.</summary>
public sealed class UnshareTheoryAttribute : TheoryAttribute
{
    public UnshareTheoryAttribute()
    {
        if (TestStores.UnshareRefusal.Value is string why) Skip = why;
    }
}

/// <summary>
/// Heartbeats, retries, limits and errors of shared studies (issue 15), proved with worker processes
/// (tests/NotebookKit.TuningWorker) on PostgreSQL and SQLite alike.
/// </summary>
public class DurabilityTests(ITestOutputHelper output) : IDisposable
{
    readonly TestStores stores = new();

    public static TheoryData<string> AllStorages => TestStores.All;
    public static TheoryData<string> SharedStorages => TestStores.Shared;

    public void Dispose() => stores.Dispose();

    [Theory, MemberData(nameof(SharedStorages))]
    public void EightWorkerProcessesOfTwentyFiveTrialsGiveExactly200CompleteTrialsAndLoseNoResult(string kind)
    {
        const int workers = 8, each = 25;
        string url = stores.Url(kind);
        var study = Study.Create("eight", storage: stores.Open(kind));
        var clock = Stopwatch.StartNew();
        var procs = Enumerable.Range(0, workers).Select(_ => TestStores.StartWorker(url, "eight", each, sleepMs: 2)).ToList();
        try
        {
            foreach (var p in procs) p.AssertExitsCleanly(TimeSpan.FromSeconds(120));
            var trials = study.GetTrials();
            output.WriteLine($"{kind}: {workers} processes x {each} trials -> {trials.Count} trials, "
                + $"{trials.Count(t => t.State == TrialState.Complete)} complete, in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(Enumerable.Range(0, workers * each), trials.Select(t => t.Number)); // unique and gap-free
            Assert.All(trials, t => Assert.Equal(TrialState.Complete, t.State));
            Assert.All(trials, t => Assert.Equal(Math.Pow((double)t.Params["x"] - 2, 2), t.Value!.Value, 12));
            // No lost results: each worker finished its 25, and every result it printed is stored as printed, as its own.
            foreach (var p in procs)
            {
                var finished = p.Finished();
                Assert.Equal(each, finished.Count);
                foreach (var (number, (state, value)) in finished)
                {
                    Assert.Equal("Complete", state);
                    Assert.Equal(value, trials[number].Value);
                    Assert.Equal(p.Pid, Convert.ToInt32(trials[number].UserAttrs["pid"], CultureInfo.InvariantCulture));
                }
            }
        }
        finally { foreach (var p in procs) p.Dispose(); }
    }

    /// <summary>
    /// Four workers, each in a host name of its own (so only heartbeats tell whether a worker lives). Once all are at
    /// work, one is killed (kill -9) and one stopped (SIGSTOP) mid-trial, while the two live ones run trials longer
    /// than the grace period. The two silent trials must be failed by a live worker within the grace period plus one
    /// check interval (and a second for the writes on a busy machine) and retried with their parameters; the stopped
    /// worker, resumed, must find its trial failed, say so and go on; and no live trial may ever be failed.
    /// (UntilCompleteStopsAtATotalOfCompleteTrialsAcrossWorkersAndRuns proves the total across workers.)
    /// </summary>
    [UnshareTheory, MemberData(nameof(SharedStorages))]
    public void AKilledOrStoppedWorkersTrialIsFailedWithinTheGraceAndRetried_ButNoLiveTrialOnAnotherHostEver(string kind)
    {
        const double interval = 0.5, grace = 5;
        const int liveTrialMs = 5500; // live trials outlast the grace: only their heartbeats keep them
        string url = stores.Url(kind, $"heartbeat_interval={interval}&grace_period={grace}&retries=1");
        var study = Study.Create("hosts", url);
        var clock = Stopwatch.StartNew();
        using var live1 = TestStores.StartWorker(url, "hosts", 3, sleepMs: liveTrialMs, host: "nbkit-live-1");
        using var live2 = TestStores.StartWorker(url, "hosts", 3, sleepMs: liveTrialMs, host: "nbkit-live-2");
        using var killed = TestStores.StartWorker(url, "hosts", 1, sleepMs: 120_000, host: "nbkit-killed");
        // The stopped worker's first trial outlasts the others' start-up, its stop and the grace, so it is still
        // running when resumed and finds out then.
        using var stopped = TestStores.StartWorker(url, "hosts", 2, sleepMs: 14_000, host: "nbkit-stopped", laterSleepMs: 1000);
        WaitUntil(() => live1.Lines.Contains("ready") && live2.Lines.Contains("ready"), TimeSpan.FromSeconds(60));
        int killedTrial = RunningTrialOf(study, killed), stoppedTrial = RunningTrialOf(study, stopped);
        var silentFrom = DateTime.UtcNow;
        killed.Process.Kill(); // SIGKILL
        Signal(stopped.Pid, "STOP");
        WaitUntil(() => study.GetTrials()[stoppedTrial].State == TrialState.Failed, TimeSpan.FromSeconds(60));
        Signal(stopped.Pid, "CONT");
        foreach (var w in new[] { live1, live2, stopped }) w.AssertExitsCleanly(TimeSpan.FromSeconds(120));

        var trials = study.GetTrials();
        Assert.Equal(Enumerable.Range(0, trials.Count), trials.Select(t => t.Number));
        foreach (var (number, host) in new[] { (killedTrial, "nbkit-killed"), (stoppedTrial, "nbkit-stopped") })
        {
            var silent = trials[number];
            Assert.Equal(TrialState.Failed, silent.State);
            Assert.Contains($"No heartbeat from its worker ({host} pid", silent.Error);
            double after = (silent.Complete!.Value - silentFrom).TotalSeconds;
            output.WriteLine($"{kind}: trial {number} ({host}) failed {after:F2} s after its worker went silent (grace {grace} s, "
                + $"interval {interval} s): {silent.Error}");
            Assert.True(after <= grace + interval + 1, $"trial {number} was failed {after:F2} s after its worker went silent");
            var retry = Assert.Single(trials, t => t.SystemAttrs.TryGetValue("retried_from", out var f) && Convert.ToInt32(f) == number);
            Assert.Equal(TrialState.Complete, retry.State);
            Assert.Equal(silent.Params["x"], retry.Params["x"]);
            Assert.Equal(1, Convert.ToInt32(retry.SystemAttrs["retry"], CultureInfo.InvariantCulture));
        }
        // The stopped worker found out when it resumed: its late result is kept, a warning says so, and it went on.
        Assert.StartsWith("Complete: ", (string)trials[stoppedTrial].SystemAttrs["late_result"]!);
        Assert.Contains(stopped.Lines, l => l.StartsWith($"warning: Trial {stoppedTrial} of study 'hosts' was failed by another worker"));
        // No live trial was ever failed: the two silent ones are the only failures, every live worker's trial is complete.
        Assert.Equal(new[] { killedTrial, stoppedTrial }.Order(), trials.Where(t => t.State == TrialState.Failed).Select(t => t.Number).Order());
        foreach (var w in new[] { live1, live2 })
            Assert.All(trials.Where(t => Equals(t.UserAttrs.GetValueOrDefault("pid"), w.Pid)), t => Assert.Equal(TrialState.Complete, t.State));
        Assert.Equal(trials.Count - 2, trials.Count(t => t.State == TrialState.Complete));
        output.WriteLine($"{kind}: {trials.Count} trials, {trials.Count - 2} complete, scenario {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The number of the trial <paramref name="worker"/> is running, once it has one.</summary>
    static int RunningTrialOf(Study study, Worker worker)
    {
        int number = -1;
        // The worker sets its pid attribute just before it sleeps: from then on it is mid-trial.
        WaitUntil(() => (number = study.GetTrials(TrialState.Running)
            .FirstOrDefault(t => Equals(t.UserAttrs.GetValueOrDefault("pid"), worker.Pid))?.Number ?? -1) >= 0, TimeSpan.FromSeconds(60),
            () => $"worker {worker.Pid} is not mid-trial; it printed: {string.Join(" | ", worker.Lines)} {worker.Errors}; "
                + string.Join(", ", study.GetTrials().Select(t => $"{t.Number} {t.State} pid {t.UserAttrs.GetValueOrDefault("pid")} {t.Error}")));
        return number;
    }

    static void WaitUntil(Func<bool> condition, TimeSpan within, Func<string>? why = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < within, $"not reached within {within.TotalSeconds} s: {why?.Invoke()}");
            Thread.Sleep(50);
        }
    }

    static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>
    /// "Skewed ids": a host name says little (containers and cloned machines share them), so a trial is judged by the
    /// heartbeat its own worker promised, and by its process id only when the owner is this very machine (same boot
    /// and process namespace).
    /// </summary>
    [Theory, MemberData(nameof(SharedStorages))]
    public void ATrialIsJudgedByItsOwnersHeartbeatAndByItsProcessIdOnlyOnThisVeryMachine(string kind)
    {
        var storage = stores.Open(kind, "heartbeat_interval=1&grace_period=2");
        int id = storage.CreateStudy("owners", StudyDirection.Minimize, loadIfExists: false);
        for (int i = 0; i < 6; i++) storage.StartTrial(id);
        string host = Environment.MachineName;
        string here = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() + "/" + new FileInfo("/proc/self/ns/pid").LinkTarget;
        int gone = GonePid();
        string fresh = DateTime.UtcNow.ToString("O"), old = DateTime.UtcNow.AddSeconds(-5).ToString("O");
        // number: owner, heartbeat; the owner's last field is the grace in ms it promised (0: no heartbeat).
        Rewrite(kind, 0, $"{host}|another-boot/pid:[1]|{gone}|0|2000", fresh);    // same name, other machine, beating: alive
        Rewrite(kind, 1, $"{host}|another-boot/pid:[1]|{gone}|0|2000", old);      // same name, other machine, silent: failed
        Rewrite(kind, 2, $"{host}|{here}|{gone}|0|2000", fresh);                  // this machine, process gone: failed at once
        Rewrite(kind, 3, $"elsewhere|x|{gone}|0|0", DateTime.UtcNow.AddHours(-1).ToString("O")); // promised no heartbeat: alive
        Rewrite(kind, 4, $"elsewhere|x|{gone}|0|10000", old);                     // promised a 10 s grace: alive at 5 s
        Rewrite(kind, 5, null, old);                                               // this process's own trial: alive
        var failed = storage.FailStaleTrials(id);
        Assert.Equal(new[] { 1, 2 }, failed.Order());
        var trials = storage.GetTrials(id);
        Assert.Contains($"No heartbeat from its worker ({host} pid {gone}) for ", trials[1].Error);
        Assert.Contains("longer than its grace period of 2 s", trials[1].Error);
        Assert.StartsWith($"Worker process ended while the trial was running (pid {gone} on this machine is gone)", trials[2].Error);
        Assert.Equal(4, trials.Count(t => t.State == TrialState.Running));
    }

    /// <summary>A process id that was in use a moment ago and is free now.</summary>
    static int GonePid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    /// <summary>Sets trial <paramref name="number"/>'s owner (unless null) and heartbeat behind the storage's back.</summary>
    void Rewrite(string kind, int number, string? owner, string heartbeat)
    {
        using DbConnection c = kind == "sqlite" ? new SqliteConnection($"Data Source={Path.Combine(stores.Dir, "studies.db")}")
            : new NpgsqlConnection(PostgresStorage.Parse(stores.Url(kind)).ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE trials SET owner=COALESCE(@o, owner), heartbeat=@h WHERE number=@n";
        foreach (var (name, value) in new (string, object)[] { ("@o", (object?)owner ?? DBNull.Value), ("@h", heartbeat), ("@n", number) })
        {
            var p = cmd.CreateParameter();
            (p.ParameterName, p.Value) = (name, value);
            if (name == "@o") p.DbType = System.Data.DbType.String;
            cmd.Parameters.Add(p);
        }
        Assert.Equal(1, cmd.ExecuteNonQuery());
    }

    [Theory, MemberData(nameof(AllStorages))]
    public void AFailedTrialIsRetriedOnceWithItsParameters(string kind)
    {
        var study = Study.Create("retry", storage: stores.Open(kind, "retries=1"), sampler: new RandomSampler(3));
        study.Optimize(t =>
        {
            t.SuggestFloat("x", 0, 1);
            t.SuggestCategorical("c", "a", "b");
            throw new InvalidOperationException("boom");
        }, nTrials: 3, catchExceptions: true);
        // 0 fails and is retried as 1, which fails for good; 2 fails and its retry, 3, waits for the next run.
        var trials = study.GetTrials();
        Assert.Equal(new[] { TrialState.Failed, TrialState.Failed, TrialState.Failed, TrialState.Waiting }, trials.Select(t => t.State));
        foreach (var (retry, of) in new[] { (1, 0), (3, 2) })
        {
            Assert.Equal(of, Convert.ToInt32(trials[retry].SystemAttrs["retried_from"], CultureInfo.InvariantCulture));
            Assert.Equal(1, Convert.ToInt32(trials[retry].SystemAttrs["retry"], CultureInfo.InvariantCulture));
        }
        Assert.Equal(trials[0].Params.OrderBy(p => p.Key), trials[1].Params.OrderBy(p => p.Key));
        var queued = (IDictionary<string, object?>)trials[3].SystemAttrs["fixed_params"]!;
        Assert.Equal(trials[2].Params["x"], Convert.ToDouble(queued["x"], CultureInfo.InvariantCulture));
        Assert.Equal(trials[2].Params["c"], queued["c"]);
    }

    /// <summary>Fails <see cref="ISampler.InferRelativeSearchSpace"/> on every third call, samples at random otherwise.</summary>
    sealed class FlakySampler : ISampler
    {
        readonly RandomSampler random = new(0);
        int calls;

        public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(Study study, FrozenTrial trial) =>
            ++calls % 3 == 0 ? throw new InvalidOperationException("flaky sampler") : new Dictionary<string, Distribution>();
        public IReadOnlyDictionary<string, double> SampleRelative(Study study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> space) =>
            new Dictionary<string, double>();
        public double SampleIndependent(Study study, FrozenTrial trial, string name, Distribution distribution) =>
            random.SampleIndependent(study, trial, name, distribution);
    }

    [Fact]
    public void ASamplerErrorFailsItsTrialAndOptimizeGoesOnOrStopsAsConfigured_OnParallelThreadsToo()
    {
        var study = Study.Create(sampler: new FlakySampler());
        study.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 24, parallelism: 4, catchExceptions: true);
        var trials = study.GetTrials();
        Assert.Equal(24, trials.Count);
        var failed = trials.Where(t => t.State == TrialState.Failed).ToList();
        Assert.Equal(8, failed.Count);
        Assert.All(failed, t => Assert.Equal("Sampler FlakySampler: InvalidOperationException: flaky sampler", t.Error));
        Assert.All(failed, t => Assert.IsType<InvalidOperationException>(t.Exception));

        var e = Assert.Throws<TrialFailedException>(() => study.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 24, parallelism: 4));
        Assert.Contains("failed before its objective ran: FlakySampler threw InvalidOperationException: flaky sampler", e.Message);
        Assert.DoesNotContain(study.GetTrials(), t => t.State == TrialState.Running); // never left Running, even in memory
    }

    /// <summary>An in-memory storage whose listed StartTrial calls (1-based; none listed: all) fail with <see cref="StartError"/>.</summary>
    sealed class FlakyStorage(params int[] failingStarts) : IStudyStorage
    {
        readonly InMemoryStorage inner = new();
        int starts;

        /// <summary>What the failing starts throw: by default what a lost database connection gives.</summary>
        public Func<Exception> StartError { get; init; } =
            () => new StudyStorageException("Storage test://flaky: connection lost", new TimeoutException());

        /// <summary>StartTrial calls so far.</summary>
        public int Starts => Volatile.Read(ref starts);

        FrozenTrial? Start(Func<FrozenTrial?> start) =>
            Interlocked.Increment(ref starts) is var n && (failingStarts.Length == 0 || failingStarts.Contains(n)) ? throw StartError() : start();

        public TimeSpan? HeartbeatInterval => inner.HeartbeatInterval;
        public TimeSpan GracePeriod => inner.GracePeriod;
        public int Retries => inner.Retries;
        public int CreateStudy(string name, StudyDirection direction, bool loadIfExists) => inner.CreateStudy(name, direction, loadIfExists);
        public (int Id, StudyDirection Direction)? FindStudy(string name) => inner.FindStudy(name);
        public IReadOnlyList<(int Id, string Name, StudyDirection Direction)> GetStudies() => inner.GetStudies();
        public FrozenTrial StartTrial(int studyId) => Start(() => inner.StartTrial(studyId))!;
        public FrozenTrial? TryStartTrial(int studyId, int completeLimit) => Start(() => inner.TryStartTrial(studyId, completeLimit));
        public int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams) => inner.EnqueueTrial(studyId, fixedParams);
        public void SetParam(int studyId, int number, string name, Distribution distribution, double internalValue) =>
            inner.SetParam(studyId, number, name, distribution, internalValue);
        public void SetIntermediate(int studyId, int number, int step, double value) => inner.SetIntermediate(studyId, number, step, value);
        public void SetAttr(int studyId, int number, string key, object? value, bool system) => inner.SetAttr(studyId, number, key, value, system);
        public void Annotate(int studyId, int number, string key, object? value) => inner.Annotate(studyId, number, key, value);
        public void FinishTrial(int studyId, int number, TrialState state, double? value, string? error) =>
            inner.FinishTrial(studyId, number, state, value, error);
        public bool Heartbeat(int studyId, int number) => inner.Heartbeat(studyId, number);
        public IReadOnlyList<FrozenTrial> GetTrials(int studyId) => inner.GetTrials(studyId);
        public int CountTrials(int studyId, TrialState state) => inner.CountTrials(studyId, state);
        public IReadOnlyList<int> FailStaleTrials(int studyId) => inner.FailStaleTrials(studyId);
    }

    [Fact]
    public void AStorageErrorStopsOptimizeWithItsMessageOrIsWaitedOutWhenCaught()
    {
        var uncaught = Study.Create(storage: new FlakyStorage(3));
        var e = Assert.Throws<StudyStorageException>(() => uncaught.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 10, parallelism: 2));
        Assert.Equal("Storage test://flaky: connection lost", e.Message);
        Assert.DoesNotContain(uncaught.GetTrials(), t => t.State == TrialState.Running);

        // Caught: two errors in a row are waited out (0.5 s, then 1 s) and every requested trial still runs; a third stops.
        var caught = Study.Create(storage: new FlakyStorage(3, 4));
        caught.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 6, catchExceptions: true);
        Assert.Equal(6, caught.GetTrials(TrialState.Complete).Count);
        var down = Study.Create(storage: new FlakyStorage(2, 3, 4));
        Assert.Throws<StudyStorageException>(() => down.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 6, catchExceptions: true));
        Assert.Single(down.GetTrials());

        // Only storage errors are waited out: a bug that escapes Ask stops Optimize at once, even when caught.
        var bugStorage = new FlakyStorage { StartError = () => new ArgumentException("a bug, not the database") };
        var buggy = Study.Create(storage: bugStorage);
        Assert.Throws<ArgumentException>(() => buggy.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 6, catchExceptions: true));
        Assert.Equal(1, bugStorage.Starts); // not retried as a storage error
    }

    [Theory, MemberData(nameof(AllStorages))]
    public void UntilCompleteStopsAtATotalOfCompleteTrialsAcrossWorkersAndRuns(string kind)
    {
        var study = Study.Create("until", storage: stores.Open(kind));
        int calls = 0;
        study.Optimize(t =>
        {
            double x = t.SuggestFloat("x", 0, 1);
            if (Interlocked.Increment(ref calls) % 4 == 0) throw new TrialPrunedException(); // pruned ones do not count
            Thread.Sleep(5);
            return x;
        }, untilComplete: 12, parallelism: 4);
        Assert.Equal(12, study.GetTrials(TrialState.Complete).Count);
        Assert.True(study.GetTrials(TrialState.Pruned).Count >= 3);

        var resumed = Study.Load("until", stores.Open(kind)); // another study object; for memory on the same storage
        int before = resumed.GetTrials().Count;
        resumed.Optimize(t => t.SuggestFloat("x", 0, 1), untilComplete: 12, nTrials: 5);
        Assert.Equal(before, resumed.GetTrials().Count); // already there: nothing started
        resumed.Optimize(t => { Thread.Sleep(5); return t.SuggestFloat("x", 0, 1); }, untilComplete: 20, parallelism: 3);
        Assert.Equal(20, resumed.GetTrials(TrialState.Complete).Count);
        Assert.DoesNotContain(resumed.GetTrials(), t => t.State == TrialState.Running);
    }

    [Theory, MemberData(nameof(AllStorages))]
    public void ATrialThatIsNoLongerRunningRefusesAttributesAndASecondTell(string kind)
    {
        var study = Study.Create("attrs", storage: stores.Open(kind));
        var trial = study.Ask();
        trial.SetUserAttr("ok", 1);
        study.Tell(trial, 0.5);
        var e = Assert.Throws<TrialNotRunningException>(() => trial.SetUserAttr("late", 2));
        Assert.Equal("Trial 0 is Complete, not Running; it cannot be changed.", e.Message);
        Assert.Throws<TrialNotRunningException>(() => study.SetSystemAttr(study.GetTrials()[0], "late", 2));
        Assert.Throws<TrialNotRunningException>(() => study.Tell(trial, 0.7));
        var stored = study.GetTrials()[0];
        Assert.Equal(new[] { "ok" }, stored.UserAttrs.Keys);
        Assert.Equal(0.5, stored.Value);
    }

    [Fact]
    public void SqliteErrorsNameTheFileAndALockedFileFailsWithinSeconds()
    {
        string path = Path.Combine(stores.Dir, "locked.db");
        var storage = new SqliteStorage(path);
        int id = storage.CreateStudy("s", StudyDirection.Minimize, loadIfExists: false);
        using (var holder = new SqliteConnection($"Data Source={path}"))
        {
            holder.Open();
            using (var begin = holder.CreateCommand()) { begin.CommandText = "BEGIN IMMEDIATE"; begin.ExecuteNonQuery(); }
            var clock = Stopwatch.StartNew();
            var locked = Assert.Throws<StudyStorageException>(() => storage.StartTrial(id));
            output.WriteLine($"locked database: failed after {clock.Elapsed.TotalSeconds:F1} s: {locked.Message}");
            Assert.StartsWith($"SQLite storage {path} is locked: another connection held its write lock for more than 5 s", locked.Message);
            Assert.InRange(clock.Elapsed.TotalSeconds, 2, 15); // seconds, where it used to stall for a minute
        }
        // An Optuna database is named as such, and left as it was, rather than failing later with "no such column: id".
        string optuna = Path.Combine(stores.Dir, "optuna.db");
        using (var c = new SqliteConnection($"Data Source={optuna};Pooling=False"))
        {
            c.Open();
            using var create = c.CreateCommand();
            create.CommandText = "CREATE TABLE studies(study_id INTEGER PRIMARY KEY, study_name TEXT); CREATE TABLE trials(trial_id INTEGER PRIMARY KEY, number INTEGER)";
            create.ExecuteNonQuery();
        }
        var foreign = Assert.Throws<InvalidOperationException>(() => new SqliteStorage(optuna));
        Assert.StartsWith($"Storage sqlite:///{optuna} holds tables that NotebookKit did not make", foreign.Message);
        Assert.Contains("Optuna", foreign.Message);
        // A folder is no database file: the message names it.
        var folder = Assert.Throws<InvalidOperationException>(() => new SqliteStorage(stores.Dir));
        Assert.StartsWith($"Cannot open storage sqlite:///{stores.Dir}: ", folder.Message);
    }

    [Fact]
    public void HeartbeatAndRetrySettingsComeWithTheStorageUrlOrTheCodeAndBadOnesAreNamed()
    {
        var set = Assert.IsType<SqliteStorage>(StudyStorage.Open(stores.Url("sqlite", "heartbeat_interval=1&grace_period=5&retries=2")));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 2), (set.HeartbeatInterval!.Value, set.GracePeriod, set.Retries));
        var twice = Assert.IsType<SqliteStorage>(StudyStorage.Open(stores.Url("sqlite", "heartbeat_interval=2.5")));
        Assert.Equal(TimeSpan.FromSeconds(5), twice.GracePeriod); // Optuna's default grace: twice the interval
        var defaults = new SqliteStorage(Path.Combine(stores.Dir, "studies.db"));
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120), 0), (defaults.HeartbeatInterval!.Value, defaults.GracePeriod, defaults.Retries));
        Assert.Equal(1, Assert.IsType<InMemoryStorage>(StudyStorage.Open("memory?retries=1")).Retries);

        string Refused(string url) => Assert.Throws<ArgumentException>(() => StudyStorage.Open(url)).Message;
        Assert.Contains("heartbeat_interval=0 is not a positive number of seconds", Refused(stores.Url("sqlite", "heartbeat_interval=0")));
        Assert.Contains("retries=-1 is not a non-negative whole number", Refused("memory?retries=-1"));
        Assert.Contains("The grace period (5 s) must be longer than the heartbeat interval (5 s)",
            Refused(stores.Url("sqlite", "heartbeat_interval=5&grace_period=5")));
        Assert.Contains("unknown option 'heartbeat'", Refused(stores.Url("sqlite", "heartbeat=1")));
        Assert.Contains("needs no heartbeat", Refused("memory?heartbeat_interval=1"));
        Assert.Contains("understood: schema=<letters, digits, _>, heartbeat_interval, grace_period, retries",
            Assert.Throws<ArgumentException>(() => PostgresStorage.Parse("postgresql://me@127.0.0.1/db?beat=1")).Message);
        PostgresStorage.Parse("postgresql://me@127.0.0.1/db?schema=s&heartbeat_interval=1&retries=1"); // understood

        var inCode = new SqliteStorage(Path.Combine(stores.Dir, "code.db")) { HeartbeatInterval = TimeSpan.FromSeconds(5), GracePeriod = TimeSpan.FromSeconds(2) };
        Assert.Contains("must be longer than the heartbeat interval", Assert.Throws<ArgumentException>(() => Study.Create("s", storage: inCode)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryStorage { Retries = -1 });
    }
}
