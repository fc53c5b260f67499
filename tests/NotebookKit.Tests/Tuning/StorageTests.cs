using System.Diagnostics;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

/// <summary>One suite for every storage (see <see cref="TestStores"/>); DurabilityTests adds heartbeats and retries.</summary>
public class StorageTests : IDisposable
{
    readonly TestStores stores = new();

    public static TheoryData<string> AllStorages => TestStores.All;
    public static TheoryData<string> SharedStorages => TestStores.Shared;

    public void Dispose() => stores.Dispose();

    string Url(string kind) => stores.Url(kind);
    IStudyStorage Open(string kind) => stores.Open(kind);

    [Theory, MemberData(nameof(AllStorages))]
    public void KeepsTrialsParamsIntermediatesAndAttributesAcrossInstances(string kind)
    {
        var first = Study.Create("persist", StudyDirection.Maximize, new RandomSampler(1), storage: Open(kind));
        first.Optimize(t =>
        {
            double lr = t.SuggestFloat("lr", 1e-4, 1, log: true);
            string opt = t.SuggestCategorical("opt", "adam", "sgd");
            int width = t.SuggestInt("width", 8, 64, step: 8);
            t.Report(lr, 1);
            t.SetUserAttr("note", "hello");
            return lr * width * (opt == "adam" ? 1 : 2);
        }, nTrials: 5);
        var resumed = Study.Load("persist", Open(kind));
        Assert.Equal(StudyDirection.Maximize, resumed.Direction);
        var a = first.GetTrials(); var b = resumed.GetTrials();
        Assert.Equal(5, b.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(a[i].Value, b[i].Value);
            Assert.Equal(a[i].Params.OrderBy(p => p.Key).Select(p => p.Value), b[i].Params.OrderBy(p => p.Key).Select(p => p.Value));
            Assert.Equal(a[i].IntermediateValues[1], b[i].IntermediateValues[1]);
            Assert.Equal("hello", b[i].UserAttrs["note"]);
            var one = resumed.GetTrial(i); // read alone, the same trial
            Assert.Equal((a[i].Number, a[i].State, a[i].Value, a[i].Params["lr"], a[i].IntermediateValues[1], "hello"),
                (one.Number, one.State, one.Value, one.Params["lr"], one.IntermediateValues[1], one.UserAttrs["note"]));
        }
        Assert.Equal(first.BestValue, resumed.BestValue);
    }

    [Theory, MemberData(nameof(AllStorages))]
    public void AFinishedTrialCannotBeChangedAndAnEnqueuedOneIsClaimedOnce(string kind)
    {
        var storage = Open(kind);
        int id = storage.CreateStudy("s", StudyDirection.Minimize, loadIfExists: false);
        int queued = storage.EnqueueTrial(id, new Dictionary<string, object?> { ["x"] = 1.5 });
        var claimed = storage.StartTrial(id);
        Assert.Equal(queued, claimed.Number);
        Assert.Equal(1.5, Convert.ToDouble(((IDictionary<string, object?>)claimed.SystemAttrs["fixed_params"]!)["x"]));
        var fresh = storage.StartTrial(id);
        Assert.Equal(queued + 1, fresh.Number);
        storage.FinishTrial(id, claimed.Number, TrialState.Complete, 0.25, null);
        var e = Assert.Throws<TrialNotRunningException>(() => storage.FinishTrial(id, claimed.Number, TrialState.Failed, null, "late"));
        Assert.Contains("not Running", e.Message);
        Assert.Throws<TrialNotRunningException>(() => storage.SetIntermediate(id, claimed.Number, 1, 0.5));
        Assert.Equal(0.25, storage.GetTrials(id)[0].Value);
    }

    [Theory, MemberData(nameof(SharedStorages))]
    public void AKilledWorkerLeavesFinishedTrialsKeptAndItsRunningTrialFailed(string kind)
    {
        string url = Url(kind);
        // Four short trials, then one that lasts until the kill: the kill always lands mid-trial.
        using var worker = TestStores.StartWorker(url, "killed", trials: 1000, sleeps: "150,150,150,150,60000");
        var storage = Open(kind);
        var clock = Stopwatch.StartNew();
        Study? watch = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(100);
            if (watch is null) try { watch = Study.Load("killed", storage); } catch (InvalidOperationException) { } catch (ArgumentException) { }
            if (watch is not null && watch.GetTrials(TrialState.Complete).Count >= 4 && watch.GetTrials(TrialState.Running).Count == 1) break;
        }
        Assert.NotNull(watch);
        worker.Process.Kill(entireProcessTree: true);
        worker.Process.WaitForExit();
        var before = watch!.GetTrials();
        var running = before.Where(t => t.State == TrialState.Running).Select(t => t.Number).ToArray();
        Assert.True(before.Count(t => t.State == TrialState.Complete) >= 4);

        var resumed = Study.Load("killed", url);
        var after = resumed.GetTrials();
        Assert.DoesNotContain(after, t => t.State == TrialState.Running);
        foreach (var t in before.Where(t => t.State == TrialState.Complete))
            Assert.Equal(t.Value, after.Single(u => u.Number == t.Number).Value);
        Assert.NotEmpty(running);
        foreach (int n in running)
        {
            Assert.Equal(TrialState.Failed, after[n].State);
            Assert.Contains("Worker process ended", after[n].Error);
        }
        resumed.Optimize(t => Math.Abs(t.SuggestFloat("x", -10, 10)), nTrials: 3);
        var final = resumed.GetTrials();
        Assert.Equal(Enumerable.Range(0, final.Count), final.Select(t => t.Number));
        Assert.All(final.TakeLast(3), t => Assert.Equal(TrialState.Complete, t.State));
    }

    [Theory, MemberData(nameof(SharedStorages))]
    public void WorkerProcessesSharingOneStudyNeitherLoseNorDuplicateTrials(string kind)
    {
        const int workers = 4, each = 10, queued = 6;
        string url = Url(kind);
        var study = Study.Create("shared", storage: Open(kind));
        for (int i = 0; i < queued; i++) study.Enqueue(new Dictionary<string, object?> { ["x"] = (double)i });
        var procs = Enumerable.Range(0, workers).Select(_ => TestStores.StartWorker(url, "shared", trials: each, sleepMs: 5)).ToList();
        foreach (var p in procs)
        {
            p.AssertExitsCleanly(TimeSpan.FromSeconds(90));
            p.Dispose();
        }
        var trials = study.GetTrials();
        Assert.Equal(workers * each, trials.Count);
        Assert.Equal(Enumerable.Range(0, workers * each), trials.Select(t => t.Number));
        Assert.All(trials, t => Assert.Equal(TrialState.Complete, t.State));
        Assert.All(trials, t => Assert.Equal(Math.Pow((double)t.Params["x"] - 2, 2), t.Value!.Value, 12));
        Assert.Equal(workers, trials.Select(t => t.UserAttrs["pid"]).Distinct().Count());
        Assert.All(trials.GroupBy(t => t.UserAttrs["pid"]), g => Assert.Equal(each, g.Count()));
        // Each enqueued configuration ran exactly once.
        Assert.Equal(Enumerable.Range(0, queued).Select(i => (double)i), trials.Take(queued).Select(t => (double)t.Params["x"]));
    }

    [Theory, MemberData(nameof(AllStorages))]
    public void ResumingWithAnotherDirectionOrAnExistingNameIsRefused(string kind)
    {
        var storage = Open(kind);
        Study.Create("s", StudyDirection.Minimize, storage: storage);
        Assert.Throws<InvalidOperationException>(() => Study.Create("s", StudyDirection.Minimize, storage: storage));
        var e = Assert.Throws<ArgumentException>(() => Study.Create("s", StudyDirection.Maximize, storage: storage, loadIfExists: true));
        Assert.Contains("direction", e.Message);
    }

    [Fact]
    public void StorageUrlsOpenTheirStorageAndBadOnesSayWhatIsWrongWithoutThePassword()
    {
        Assert.IsType<InMemoryStorage>(StudyStorage.Open("memory"));
        var sqlite = Assert.IsType<SqliteStorage>(StudyStorage.Open(Url("sqlite")));
        Assert.Equal(Path.Combine(stores.Dir, "studies.db"), sqlite.Path);
        // Three slashes then a relative path, as in Optuna (four slashes for an absolute one).
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(stores.Dir, "rel.db"));
        Assert.Equal(Path.Combine(stores.Dir, "rel.db"), Assert.IsType<SqliteStorage>(StudyStorage.Open("sqlite:///" + relative)).Path);
        var unknown = Assert.Throws<ArgumentException>(() => StudyStorage.Open("mysql://me:secret@db/x"));
        Assert.Contains("Unknown storage URL 'mysql://me:***@db/x'", unknown.Message);
        // Nothing listens on port 1: the error names the URL, not the password, on one line.
        var refused = Assert.Throws<InvalidOperationException>(() => StudyStorage.Open("postgresql://me:secret@127.0.0.1:1/studies"));
        Assert.StartsWith("Cannot open storage postgresql://me@127.0.0.1:1/studies: ", refused.Message);
        Assert.DoesNotContain("secret", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        var noDb = Assert.Throws<ArgumentException>(() => StudyStorage.Open("postgresql://me:secret@127.0.0.1:5432/"));
        Assert.Contains("names no database", noDb.Message);
        Assert.DoesNotContain("secret", noDb.Message);
    }
}
