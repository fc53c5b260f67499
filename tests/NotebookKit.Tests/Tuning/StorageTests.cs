using System.Diagnostics;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class StorageTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "nbkit-storage-" + Guid.NewGuid().ToString("N")[..8]);
    string Db => Path.Combine(dir, "studies.db");

    public void Dispose()
    {
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }

    static string WorkerDll()
    {
        string config = AppContext.BaseDirectory.Contains("/Debug/") ? "Debug" : "Release";
        var bin = Path.Combine(TestPaths.RepoRoot, "tests", "NotebookKit.TuningWorker", "bin", config);
        return Directory.GetFiles(bin, "NotebookKit.TuningWorker.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
    }

    static Process StartWorker(string db, string study, int trials, int sleepMs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { WorkerDll(), db, study, trials.ToString(), sleepMs.ToString() }) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    [Fact]
    public void SqliteKeepsTrialsParamsIntermediatesAndAttributesAcrossInstances()
    {
        var first = Study.Create("persist", StudyDirection.Maximize, new RandomSampler(1), storage: new SqliteStorage(Db));
        first.Optimize(t =>
        {
            double lr = t.SuggestFloat("lr", 1e-4, 1, log: true);
            string opt = t.SuggestCategorical("opt", "adam", "sgd");
            int width = t.SuggestInt("width", 8, 64, step: 8);
            t.Report(lr, 1);
            t.SetUserAttr("note", "hello");
            return lr * width * (opt == "adam" ? 1 : 2);
        }, nTrials: 5);
        var resumed = Study.Load("persist", new SqliteStorage(Db));
        Assert.Equal(StudyDirection.Maximize, resumed.Direction);
        var a = first.GetTrials(); var b = resumed.GetTrials();
        Assert.Equal(5, b.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(a[i].Value, b[i].Value);
            Assert.Equal(a[i].Params.OrderBy(p => p.Key).Select(p => p.Value), b[i].Params.OrderBy(p => p.Key).Select(p => p.Value));
            Assert.Equal(a[i].IntermediateValues[1], b[i].IntermediateValues[1]);
            Assert.Equal("hello", b[i].UserAttrs["note"]);
        }
        Assert.Equal(first.BestValue, resumed.BestValue);
    }

    [Fact]
    public void AKilledWorkerLeavesFinishedTrialsKeptAndItsRunningTrialFailed()
    {
        using var worker = StartWorker(Db, "killed", trials: 1000, sleepMs: 150);
        var storage = new SqliteStorage(Db);
        var clock = Stopwatch.StartNew();
        Study? watch = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(100);
            if (watch is null && File.Exists(Db)) try { watch = Study.Load("killed", storage); } catch (InvalidOperationException) { } catch (ArgumentException) { }
            if (watch is not null && watch.GetTrials(TrialState.Complete).Count >= 4 && watch.GetTrials(TrialState.Running).Count == 1) break;
        }
        Assert.NotNull(watch);
        worker.Kill(entireProcessTree: true);
        worker.WaitForExit();
        var before = watch!.GetTrials();
        var running = before.Where(t => t.State == TrialState.Running).Select(t => t.Number).ToArray();
        Assert.True(before.Count(t => t.State == TrialState.Complete) >= 4);

        var resumed = Study.Load("killed", new SqliteStorage(Db));
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

    [Fact]
    public void TwoProcessesSharingOneFileNeitherLoseNorDuplicateTrials()
    {
        var storage = new SqliteStorage(Db);
        var study = Study.Create("shared", storage: storage);
        for (int i = 0; i < 6; i++) study.Enqueue(new Dictionary<string, object?> { ["x"] = (double)i });
        using var a = StartWorker(Db, "shared", trials: 12, sleepMs: 5);
        using var b = StartWorker(Db, "shared", trials: 12, sleepMs: 5);
        Assert.True(a.WaitForExit(60_000) && b.WaitForExit(60_000), "workers did not finish");
        Assert.True(a.ExitCode == 0, a.StandardError.ReadToEnd());
        Assert.True(b.ExitCode == 0, b.StandardError.ReadToEnd());
        var trials = study.GetTrials();
        Assert.Equal(24, trials.Count);
        Assert.Equal(Enumerable.Range(0, 24), trials.Select(t => t.Number));
        Assert.All(trials, t => Assert.Equal(TrialState.Complete, t.State));
        Assert.Equal(2, trials.Select(t => t.UserAttrs["pid"]).Distinct().Count());
        Assert.All(trials.GroupBy(t => t.UserAttrs["pid"]), g => Assert.Equal(12, g.Count()));
        // Each enqueued configuration ran exactly once.
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (double)i), trials.Take(6).Select(t => (double)t.Params["x"]));
    }

    [Fact]
    public void ResumingWithAnotherDirectionOrAnExistingNameIsRefused()
    {
        var storage = new SqliteStorage(Db);
        Study.Create("s", StudyDirection.Minimize, storage: storage);
        Assert.Throws<InvalidOperationException>(() => Study.Create("s", StudyDirection.Minimize, storage: storage));
        var e = Assert.Throws<ArgumentException>(() => Study.Create("s", StudyDirection.Maximize, storage: storage, loadIfExists: true));
        Assert.Contains("direction", e.Message);
    }
}
