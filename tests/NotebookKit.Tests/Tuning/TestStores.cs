using System.Diagnostics;
using Npgsql;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

/// <summary>
/// The storages a test works on. PostgreSQL comes from NOTEBOOKKIT_POSTGRES_URL (scripts/test.sh starts a throwaway
/// cluster); without it those tests fail, so CI cannot pass without proving PostgreSQL. Each test works in a schema
/// of its own (and a folder of its own for SQLite), dropped afterwards, so runs never collide.
/// </summary>
sealed class TestStores : IDisposable
{
    readonly string schema = "nbkit_test_" + Guid.NewGuid().ToString("N")[..12];
    readonly InMemoryStorage memory = new();
    bool usedPostgres;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "nbkit-storage-" + Guid.NewGuid().ToString("N")[..8]);

    public static TheoryData<string> All => new() { "memory", "sqlite", "postgresql" };
    public static TheoryData<string> Shared => new() { "sqlite", "postgresql" };

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { } // includes a folder never made
        if (!usedPostgres) return;
        using var c = new NpgsqlConnection(PostgresStorage.Parse(Url("postgresql")).ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", c);
        cmd.ExecuteNonQuery();
    }

    /// <summary>This test's storage URL of the given kind (an absolute SQLite path, hence the four slashes), with
    /// <paramref name="options"/> (e.g. "heartbeat_interval=1") appended.</summary>
    public string Url(string kind, string options = "")
    {
        string url = kind switch
        {
            "memory" => "memory",
            "sqlite" => "sqlite:///" + Path.Combine(Dir, "studies.db"),
            "postgresql" => Postgres(),
            _ => throw new ArgumentException(kind),
        };
        return options.Length == 0 ? url : url + (url.Contains('?') ? "&" : "?") + options;
    }

    string Postgres()
    {
        string server = Environment.GetEnvironmentVariable("NOTEBOOKKIT_POSTGRES_URL")
            ?? throw new InvalidOperationException("NOTEBOOKKIT_POSTGRES_URL is not set: PostgreSQL storage is not tested. "
                + "Run scripts/test.sh (it starts a throwaway PostgreSQL) or `source scripts/postgres.sh` first.");
        usedPostgres = true;
        return server + (server.Contains('?') ? "&" : "?") + "schema=" + schema;
    }

    /// <summary>A new instance on this test's store (memory has one instance only, unless options are given).</summary>
    public IStudyStorage Open(string kind, string options = "") =>
        kind == "memory" && options.Length == 0 ? memory : StudyStorage.Open(Url(kind, options));

    static string WorkerDll()
    {
        string config = AppContext.BaseDirectory.Contains("/Debug/") ? "Debug" : "Release";
        var bin = Path.Combine(TestPaths.RepoRoot, "tests", "NotebookKit.TuningWorker", "bin", config);
        return Directory.GetFiles(bin, "NotebookKit.TuningWorker.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
    }

    /// <summary>Starts tests/NotebookKit.TuningWorker on <paramref name="url"/>; in a UTS namespace of its own with
    /// the host name <paramref name="host"/> when one is given (a worker "on another machine").</summary>
    public static Worker StartWorker(string url, string study, int trials, int sleepMs, int? untilComplete = null, string? host = null,
        int? laterSleepMs = null) => StartWorker(url, study, trials, sleepMs + (laterSleepMs is int l ? "," + l : ""), untilComplete, host);

    /// <summary>As above, with the worker's sleeps spelled out: trial i sleeps the i-th number (the last for all after).</summary>
    public static Worker StartWorker(string url, string study, int trials, string sleeps, int? untilComplete = null, string? host = null)
    {
        var args = new List<string> { WorkerDll(), url, study, trials.ToString(), sleeps };
        if (untilComplete is int n) args.AddRange(["--until-complete", n.ToString()]);
        var start = new ProcessStartInfo(host is null ? "dotnet" : "unshare")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // unshare execs sh, which sets the host name and execs dotnet: the process id is the worker's own.
        if (host is not null) foreach (var a in new[] { "-u", "sh", "-c", $"hostname {host} && exec dotnet \"$@\"", "sh" }) start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        return new Worker(Process.Start(start)!);
    }

    /// <summary>Whether this machine lets the tests give a worker a host name of its own (<c>unshare -u</c>), and if
    /// not, why.</summary>
    public static readonly Lazy<string?> UnshareRefusal = new(() =>
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("unshare", ["-u", "sh", "-c", "hostname nbkit-probe && hostname"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = p.StandardOutput.ReadToEnd().Trim(), error = p.StandardError.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 && output == "nbkit-probe" ? null : $"unshare -u is not permitted here: {error}";
        }
        catch (System.ComponentModel.Win32Exception e) { return $"unshare is not available: {e.Message}"; }
    });
}

/// <summary>A worker process whose output lines are collected as they come (so a full pipe never blocks it).</summary>
sealed class Worker : IDisposable
{
    readonly List<string> lines = [];
    readonly System.Text.StringBuilder errors = new();

    public Process Process { get; }

    public Worker(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => Process.Id;
    public IReadOnlyList<string> Lines { get { lock (lines) return lines.ToArray(); } }
    public string Errors { get { lock (errors) return errors.ToString(); } }

    /// <summary>The trials this worker says it finished: number → (state, value).</summary>
    public Dictionary<int, (string State, double? Value)> Finished() => Lines.Where(l => l.StartsWith("trial ")).Select(l => l.Split(' '))
        .ToDictionary(p => int.Parse(p[1]), p => (p[2], p[3] == "-" ? (double?)null : double.Parse(p[3], System.Globalization.CultureInfo.InvariantCulture)));

    public void AssertExitsCleanly(TimeSpan within)
    {
        Assert.True(Process.WaitForExit((int)within.TotalMilliseconds), $"worker {Pid} did not finish: {string.Join(" | ", Lines.TakeLast(5))}");
        Process.WaitForExit(); // drains the output
        Assert.True(Process.ExitCode == 0, $"worker {Pid} exited with {Process.ExitCode}: {Errors}");
        Assert.Contains("done", Lines);
    }

    public void Dispose()
    {
        try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        Process.Dispose();
    }
}
