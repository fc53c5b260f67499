using System.Diagnostics;
using System.Globalization;
using System.Net;
using NotebookKit.Display;

namespace NotebookKit.Tuning;

/// <summary>
/// What <see cref="Study.Optimize"/> shows while it runs (<c>showProgress: true</c>, the default): trials done (of
/// nTrials, or of the study's target of complete trials), completed, pruned and failed counts, the study's best value
/// so far, elapsed time and an estimate of the time left. In a notebook it is one output, updated in place at most
/// every <see cref="NotebookInterval"/> (one output per cell: a cell that runs many studies shows the latest);
/// elsewhere a line on standard error at most every <see cref="ConsoleInterval"/>.
/// Runs shorter than <see cref="Delay"/> show nothing. The work happens when a trial finishes (one read of the
/// study's trials per update, for the best value every worker found), never on a timer, and an error here never
/// reaches the study.
/// </summary>
public sealed class OptimizeProgress : IDisposable
{
    /// <summary>How long a run goes before progress shows (short runs, e.g. a sampler comparison, stay quiet).</summary>
    public static TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Least time between two updates of the notebook output.</summary>
    public static TimeSpan NotebookInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Least time between two console lines.</summary>
    public static TimeSpan ConsoleInterval { get; set; } = TimeSpan.FromSeconds(5);

    readonly Study study;
    readonly int? nTrials, untilComplete;
    readonly TimeSpan? timeout;
    readonly LiveDisplay? display;
    readonly TextWriter? console;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly object gate = new();
    int done, complete, pruned, failed;
    TimeSpan? lastShown;
    int showing; // 1 while a worker builds and shows an update

    OptimizeProgress(Study study, int? nTrials, TimeSpan? timeout, int? untilComplete, LiveDisplay? display, TextWriter? console) =>
        (this.study, this.nTrials, this.timeout, this.untilComplete, this.display, this.console) =
            (study, nTrials == int.MaxValue ? null : nTrials, timeout, untilComplete, display, console);

    /// <summary>
    /// Starts tracking a run of <paramref name="study"/> limited by <paramref name="nTrials"/> (this run's trials),
    /// <paramref name="timeout"/> and/or <paramref name="untilComplete"/> (complete trials in the study, all workers'):
    /// into the running notebook cell if there is one, else onto <paramref name="console"/> (default standard error).
    /// An <paramref name="nTrials"/> of <see cref="int.MaxValue"/> means no trial limit (a run that a callback or the
    /// timeout ends): it shows the trials done with no total, and a time left only from the timeout.
    /// </summary>
    public static OptimizeProgress Start(Study study, int? nTrials, TimeSpan? timeout, int? untilComplete = null, TextWriter? console = null)
    {
        var display = console is null ? LiveDisplay.ForCurrentCell() : null;
        return new OptimizeProgress(study, nTrials, timeout, untilComplete, display, display is null ? console ?? Console.Error : null);
    }

    /// <summary><paramref name="callback"/>, preceded by counting the finished trial.</summary>
    public Action<Study, FrozenTrial> Chain(Action<Study, FrozenTrial>? callback) => (s, trial) =>
    {
        Record(trial);
        callback?.Invoke(s, trial);
    };

    /// <summary>Counts a finished trial of this run, and shows progress when it is due.</summary>
    public void Record(FrozenTrial trial)
    {
        TimeSpan now;
        lock (gate)
        {
            done++;
            if (trial.State == TrialState.Complete) complete++;
            else if (trial.State == TrialState.Pruned) pruned++;
            else if (trial.State == TrialState.Failed) failed++;
            now = clock.Elapsed;
            var interval = display is null ? ConsoleInterval : NotebookInterval;
            if (now < Delay || (lastShown is not null && now - lastShown < interval)) return;
            lastShown = now;
        }
        // Outside the lock, and by one worker at a time: the update reads the storage, and the other workers'
        // trials need not wait for it (they skip this update; the next one counts them).
        if (Interlocked.CompareExchange(ref showing, 1, 0) != 0) return;
        try { Show(now, final: false); }
        finally { Volatile.Write(ref showing, 0); }
    }

    /// <summary>Shows the final state, when progress showed before or the run lasted <see cref="Delay"/>; called once
    /// the run's workers have finished.</summary>
    public void Dispose()
    {
        var now = clock.Elapsed;
        if (lastShown is not null || now >= Delay) Show(now, final: true);
    }

    void Show(TimeSpan now, bool final)
    {
        try
        {
            var view = View(now, final);
            if (display is not null) display.Show(view);
            else console!.WriteLine(view.ToPlainText());
        }
        catch (Exception) { } // progress is a courtesy: a storage hiccup or a closed output never stops the study
    }

    /// <summary>The progress as it stands: reads the study's trials once.</summary>
    internal ProgressView View(TimeSpan elapsed, bool final)
    {
        var summary = StudySummary.Of(study, study.GetTrials());
        var best = summary.Best;
        int studyComplete = summary.Counts[TrialState.Complete];
        var parts = new List<string>();
        (int Value, int Max)? bar = null;
        if (untilComplete is int target)
        {
            parts.Add($"{studyComplete}/{target} complete in the study");
            bar = (Math.Min(studyComplete, target), target);
        }
        if (nTrials is int n && untilComplete is null) bar = (done, n);
        parts.Add((nTrials is int m ? $"{done}/{m} trials" : $"{done} trials") + (untilComplete is null ? "" : " this run")
            + $": {complete} complete, {pruned} pruned, {failed} failed");
        parts.Add(best is null ? "no complete trial yet" : $"best {StudySummary.Value(best.Value)} (trial {best.Number})");
        string time = Duration(elapsed) + (timeout is TimeSpan limit ? $" of {Duration(limit)}" : "");
        var left = final ? null : Left(elapsed, studyComplete);
        parts.Add(final ? $"done in {time}" : left is TimeSpan l ? $"{time}, about {Duration(l)} left" : time);
        return new ProgressView($"study '{study.Name}': " + string.Join(" · ", parts), bar);
    }

    TimeSpan? Left(TimeSpan elapsed, int studyComplete)
    {
        var estimates = new List<TimeSpan>();
        if (nTrials is int n && done > 0) estimates.Add(elapsed / done * Math.Max(n - done, 0));
        if (untilComplete is int target && complete > 0) estimates.Add(elapsed / complete * Math.Max(target - studyComplete, 0));
        if (timeout is TimeSpan limit) estimates.Add(limit > elapsed ? limit - elapsed : TimeSpan.Zero);
        return estimates.Count == 0 ? null : estimates.Min();
    }

    /// <summary>"4.2 s", "41 s", "3 min 12 s", "2 h 5 min".</summary>
    internal static string Duration(TimeSpan t)
    {
        if (t.TotalSeconds < 10) return t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        if (t.TotalSeconds < 60) return t.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";
        return t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes} min {t.Seconds} s" : $"{(int)t.TotalHours} h {t.Minutes} min";
    }
}

/// <summary>One state of <see cref="OptimizeProgress"/>: a line of text, and in a notebook a bar with the line.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ProgressView(string text, (int Value, int Max)? bar) : IRichDisplay
{
    public string Text { get; } = text;

    public string ToPlainText() => Text;

    public string ToHtml() => "<div class=\"nbkit-progress\" style=\"font-family:monospace\">"
        + (bar is var (value, max) && max > 0 ? $"<progress value=\"{value}\" max=\"{max}\" style=\"width:12em;vertical-align:middle\"></progress> " : "")
        + WebUtility.HtmlEncode(Text) + "</div>";
}
