extern alias kit;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using NotebookKit.Testing;
using kit::NotebookKit.Tuning;
using PlotlyHtml = kit::NotebookKit.Display.PlotlyHtml;
using StudyKit = kit::NotebookKit.Tuning.Study;
using static NotebookKit.Runner.Tests.Nbkit;

namespace NotebookKit.Runner.Tests;

/// <summary>
/// A stored study with every kind of trial, made here with the kit, and the tally of what the objective did (the
/// callback's own count): what nbkit study must print. Two studies share the file, and one more is empty.
/// </summary>
public sealed class StoredStudies : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("nbkit-study-").FullName;
    public string Url => "sqlite:///" + Path.Combine(Folder, "studies.db");
    public List<FrozenTrial> Tally { get; } = [];

    public StoredStudies()
    {
        var study = Study.Create("lenet", Url, StudyDirection.Minimize, new RandomSampler(7), new MedianPruner(nStartupTrials: 4));
        study.Enqueue(new Dictionary<string, object?> { ["x"] = 2.9 }); // one failure for sure
        study.Optimize(Objective, nTrials: 30, catchExceptions: true, callback: (_, t) => Tally.Add(t), showProgress: false);
        Study.Create("other", Url, StudyDirection.Maximize, new RandomSampler(1))
            .Optimize(t => t.SuggestFloat("a", 0, 1), nTrials: 3, showProgress: false);
        Study.Create("empty", Url);
    }

    /// <summary>Four parameters (float, log float, int, categorical), learning curves, and a failure now and then.</summary>
    public static double Objective(Trial t)
    {
        double x = t.SuggestFloat("x", -3, 3), lr = t.SuggestFloat("lr", 1e-4, 1e-1, log: true);
        int width = t.SuggestInt("width", 8, 64);
        string act = t.SuggestCategorical("act", "relu", "tanh");
        if (x > 2.6) throw new InvalidOperationException("diverged, as x > 2.6 does");
        double final = (x - 1) * (x - 1) + Math.Abs(Math.Log10(lr) + 2.5) + width / 640.0 + (act == "relu" ? 0 : 0.2);
        for (int step = 1; step <= 5; step++)
        {
            t.Report(final + 2.0 / step, step);
            if (t.ShouldPrune()) throw new TrialPrunedException();
        }
        return final;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}

public class StudyCommandTests(StoredStudies stored) : IClassFixture<StoredStudies>
{
    /// <summary>The plots the issue names, listed here rather than taken from the code under test.</summary>
    static readonly string[] Plots = ["history", "intermediate", "importances", "parallel", "contour"];

    static Result Study(params string[] args) => Invoke(["study", .. args], Path.GetTempPath());

    static void AssertOneLineError(Result r, int code, string says)
    {
        Assert.True(r.ExitCode == code, $"exit {r.ExitCode}, expected {code}: {r.All}");
        Assert.Contains(says, r.Stderr);
        Assert.DoesNotMatch(@"\n\s+at \S+\(", r.Stderr); // no stack trace
        Assert.Equal("", r.Stdout);
    }

    int Count(TrialState state) => stored.Tally.Count(t => t.State == state);
    double Best => stored.Tally.Where(t => t.State == TrialState.Complete).Min(t => t.Value!.Value);

    [Fact]
    public void List_names_each_study_with_its_direction_trials_by_state_and_best_value()
    {
        var r = Study("list", stored.Url);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.True(Count(TrialState.Pruned) > 0 && Count(TrialState.Failed) > 0, "the study should hold every kind of trial");
        string counts = $@"{30}\s+{Count(TrialState.Complete)}\s+{Count(TrialState.Pruned)}\s+{Count(TrialState.Failed)}\s+0\s+0";
        Assert.Matches($@"\nlenet\s+Minimize\s+{counts}\s+{Regex.Escape(Best.ToString("G6", CultureInfo.InvariantCulture))}\n", r.Stdout);
        Assert.Matches(@"\nother\s+Maximize\s+3\s+3\s+0\s+0\s+0\s+0\s+0\.\d+\n", r.Stdout);
        Assert.Matches(@"\nempty\s+Minimize\s+0\s+0\s+0\s+0\s+0\s+0\s+-\n", r.Stdout);
    }

    [Fact]
    public void Show_prints_the_summary_and_one_row_per_trial_with_state_value_duration_and_params()
    {
        var r = Study("show", stored.Url, "--name", "lenet");
        Assert.True(r.ExitCode == 0, r.All);
        var best = stored.Tally.Where(t => t.State == TrialState.Complete).MinBy(t => t.Value)!;
        Assert.Contains($"best value {best.Value!.Value.ToString("G6", CultureInfo.InvariantCulture)} at trial {best.Number} (", r.Stdout);
        Assert.Contains($"30 trials: {Count(TrialState.Complete)} complete, {Count(TrialState.Pruned)} pruned, {Count(TrialState.Failed)} failed", r.Stdout);
        foreach (var t in stored.Tally)
            Assert.Matches($@"\n{t.Number}\s+{t.State}\s+{(t.Value is double v ? Regex.Escape(v.ToString("G6", CultureInfo.InvariantCulture)) : "-")}\s+\d+\.\d s\s+act=(relu|tanh), lr=", r.Stdout);
        Assert.Contains("[InvalidOperationException: diverged, as x > 2.6 does]", r.Stdout);
    }

    [Fact]
    public void Export_csv_and_json_carry_every_trial_with_values_that_round_trip()
    {
        var csv = Study("export", stored.Url, "--name", "lenet");
        Assert.True(csv.ExitCode == 0, csv.All);
        var lines = csv.Stdout.TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        Assert.Equal(["number", "state", "value", "duration_s", "params_act", "params_lr", "params_width", "params_x"], header);
        Assert.Equal(31, lines.Length);
        foreach (var t in stored.Tally)
        {
            var cells = lines[t.Number + 1].Split(',');
            Assert.Equal(t.State.ToString(), cells[1]);
            Assert.Equal(t.Value, cells[2] == "" ? null : double.Parse(cells[2], CultureInfo.InvariantCulture));
            Assert.Equal((double)t.Params["x"], double.Parse(cells[7], CultureInfo.InvariantCulture));
        }

        var outFile = Path.Combine(stored.Folder, "trials.json");
        var json = Study("export", stored.Url, "--name", "lenet", "--format", "json", "--out", outFile);
        Assert.True(json.ExitCode == 0, json.All);
        using var doc = JsonDocument.Parse(File.ReadAllText(outFile));
        Assert.Equal(30, doc.RootElement.GetArrayLength());
        foreach (var t in stored.Tally)
        {
            var e = doc.RootElement[t.Number];
            Assert.Equal((int)t.Params["width"], e.GetProperty("params").GetProperty("width").GetInt32());
            Assert.Equal((string)t.Params["act"], e.GetProperty("params").GetProperty("act").GetString());
            Assert.Equal(t.IntermediateValues.Count, e.GetProperty("intermediate").EnumerateObject().Count());
        }
    }

    [Fact]
    public void Report_is_one_page_with_each_plot_that_draws_offline_in_chromium()
    {
        var page = Path.Combine(stored.Folder, "report.html");
        var r = Study("report", stored.Url, "--name", "lenet", "--out", page);
        Assert.True(r.ExitCode == 0, r.All);
        var html = File.ReadAllText(page);
        foreach (var section in Plots)
            Assert.Matches($"<section id=\"{section}\"><h2>[^<]+</h2>\\n<div id=\"[^\"]+\" class=\"nbkit-plot\"", html);
        Assert.DoesNotContain("Not drawn", html);
        Assert.Contains("\"type\":\"parcoords\"", html);
        Assert.Contains("\"type\":\"contour\"", html);
        Assert.Contains("plotly.js v" + PlotlyHtml.PlotlyVersion, html);
        Assert.DoesNotContain("<script src", html);
        var (dom, log) = Chromium.DumpDom(page);
        Assert.Equal(Plots.Length, Chromium.DrawnCharts(dom));
        Assert.Empty(Chromium.ScriptErrors(log));
    }

    [Fact]
    public async Task Report_and_show_read_a_study_while_a_worker_fills_it()
    {
        var url = "sqlite:///" + Path.Combine(stored.Folder, "live.db");
        var live = StudyKit.Create("live", url, sampler: new RandomSampler(3));
        bool stop = false;
        var worker = Task.Run(() => live.Optimize(t => { Thread.Sleep(20); return StoredStudies.Objective(t); },
            timeout: TimeSpan.FromMinutes(2), catchExceptions: true, callback: (s, _) => { if (Volatile.Read(ref stop)) s.Stop(); }, showProgress: false));
        Thread.Sleep(500);
        for (int i = 0; i < 3; i++)
        {
            var r = Study("report", url, "--out", Path.Combine(stored.Folder, $"live-{i}.html"));
            Assert.True(r.ExitCode == 0, r.All);
            var show = Study("show", url);
            Assert.True(show.ExitCode == 0, show.All);
        }
        Volatile.Write(ref stop, true);
        await worker; // a storage error in the worker (a lock held by a reader) would surface here
        Assert.DoesNotContain(live.GetTrials(), t => t.Error is not null && !t.Error.Contains("diverged"));
    }

    [Fact]
    public void Reading_writes_nothing_not_even_failing_an_orphaned_trial()
    {
        var path = Path.Combine(stored.Folder, "orphan.db");
        var study = StudyKit.Create("orphan", "sqlite:///" + path, sampler: new RandomSampler(3));
        study.Optimize(StoredStudies.Objective, nTrials: 5, catchExceptions: true, showProgress: false);
        var orphan = study.Ask();
        // Its worker is gone (no such process on this host, no heartbeat for years): Study.Load would fail it.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"UPDATE trials SET owner='{Environment.MachineName}|2147483646|0', heartbeat='2000-01-01T00:00:00.0000000Z' WHERE number={orphan.Number}";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        foreach (var command in new[] { "list", "show", "export", "report" })
        {
            var r = Study(command == "report" ? [command, "sqlite:///" + path, "--out", Path.Combine(stored.Folder, "orphan.html")] : [command, "sqlite:///" + path]);
            Assert.True(r.ExitCode == 0, r.All);
        }
        Assert.Equal(TrialState.Running, study.GetTrials().Single(t => t.Number == orphan.Number).State);
        Assert.Matches($@"\n{orphan.Number}\s+Running\s+-\s+running\s", Study("show", "sqlite:///" + path).Stdout);
    }

    [Fact]
    public void Bad_input_gets_one_line_and_its_documented_exit_code()
    {
        var missing = Path.Combine(stored.Folder, "no-such.db");
        AssertOneLineError(Study("show", "sqlite:///" + missing), 3, $"no SQLite file at {missing}");
        Assert.False(File.Exists(missing)); // looking never creates a study file
        var notDb = Path.Combine(stored.Folder, "notes.db");
        File.WriteAllText(notDb, "not a database");
        AssertOneLineError(Study("list", "sqlite:///" + notDb), 3, "cannot be read as a study database");
        AssertOneLineError(Study("show", "postgresql://nbkit@127.0.0.1:1/nowhere"), 3, "127.0.0.1:1");
        AssertOneLineError(Study("show", "mysql://x/y"), 2, "Unknown storage URL");
        AssertOneLineError(Study("show", "memory"), 2, "'memory' holds no study");
        AssertOneLineError(Study("show"), 2, "needs a storage URL");
        AssertOneLineError(Study("plot", stored.Url), 2, "unknown study command 'plot'");
        AssertOneLineError(Study("export", stored.Url, "--name", "lenet", "--format", "xml"), 2, "--format takes csv or json");
        AssertOneLineError(Study("show", stored.Url, "--name", "resnet"), 4, "no study 'resnet'");
        AssertOneLineError(Study("report", stored.Url), 4, "3 studies in");
        AssertOneLineError(Study("report", stored.Url, "--name", "empty"), 5, "study 'empty'");
    }

    [Fact]
    public void On_postgresql_list_show_and_report_read_the_same_study()
    {
        // As the storage tests: scripts/test.sh starts a throwaway server; without it this test says so and fails.
        var server = Environment.GetEnvironmentVariable("NOTEBOOKKIT_POSTGRES_URL")
            ?? throw new InvalidOperationException("NOTEBOOKKIT_POSTGRES_URL is not set: source scripts/postgres.sh first.");
        var url = server + "?schema=studycli_" + Guid.NewGuid().ToString("N")[..8];
        var study = StudyKit.Create("lenet", url, StudyDirection.Minimize, new RandomSampler(7), new MedianPruner(nStartupTrials: 4));
        study.Optimize(StoredStudies.Objective, nTrials: 12, catchExceptions: true, showProgress: false);
        var list = Study("list", url);
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Matches(@"\nlenet\s+Minimize\s+12\s", list.Stdout);
        Assert.DoesNotContain("password", list.Stdout);
        Assert.True(Study("show", url).ExitCode == 0);
        var page = Path.Combine(stored.Folder, "pg.html");
        var report = Study("report", url, "--out", page);
        Assert.True(report.ExitCode == 0, report.All);
        foreach (var section in Plots) Assert.Contains($"<section id=\"{section}\">", File.ReadAllText(page));
    }
}
