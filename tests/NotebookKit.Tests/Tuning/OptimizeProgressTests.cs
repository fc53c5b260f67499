using System.Globalization;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

/// <summary>The progress intervals are process-wide settings: the tests that change them run alone, after the
/// parallel ones, so no other test's Optimize sees them.</summary>
[CollectionDefinition(nameof(ProgressSettings), DisableParallelization = true)]
public sealed class ProgressSettings;

/// <summary>Progress on a console (no kernel cell here).</summary>
[Collection(nameof(ProgressSettings))]
public class OptimizeProgressTests
{
    /// <summary>Runs 5 trials (trial 1 pruned, trial 3 failed) with progress written to a string; returns its lines and the trials.</summary>
    static (string[] Lines, List<FrozenTrial> Trials) Run(TimeSpan delay, TimeSpan interval, int sleepMs = 0)
    {
        var (oldDelay, oldInterval) = (OptimizeProgress.Delay, OptimizeProgress.ConsoleInterval);
        (OptimizeProgress.Delay, OptimizeProgress.ConsoleInterval) = (delay, interval);
        try
        {
            var study = Study.Create("progress", sampler: new RandomSampler(5));
            var seen = new List<FrozenTrial>();
            var console = new StringWriter();
            using (var progress = OptimizeProgress.Start(study, nTrials: 5, timeout: null, console: console))
                study.Optimize(t =>
                {
                    Thread.Sleep(sleepMs);
                    double x = t.SuggestFloat("x", 0, 1);
                    if (t.Number == 1) throw new TrialPrunedException();
                    if (t.Number == 3) throw new InvalidOperationException("boom");
                    return x;
                }, nTrials: 5, catchExceptions: true, callback: progress.Chain((_, t) => seen.Add(t)), showProgress: false);
            return (console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), seen);
        }
        finally { (OptimizeProgress.Delay, OptimizeProgress.ConsoleInterval) = (oldDelay, oldInterval); }
    }

    [Fact]
    public void Each_line_counts_the_trials_done_by_state_with_the_best_so_far_and_the_last_says_done()
    {
        var (lines, trials) = Run(TimeSpan.Zero, TimeSpan.Zero);
        Assert.Equal(6, lines.Length); // one per trial, then the final state
        var best = trials.Where(t => t.State == TrialState.Complete).MinBy(t => t.Value)!;
        Assert.StartsWith("study 'progress': 5/5 trials: 3 complete, 1 pruned, 1 failed · best "
            + $"{best.Value!.Value.ToString("G6", CultureInfo.InvariantCulture)} (trial {best.Number}) · ", lines[^1]);
        Assert.Contains("done in", lines[^1]);
        Assert.StartsWith("study 'progress': 1/5 trials: 1 complete, 0 pruned, 0 failed · best ", lines[0]);
        Assert.Contains("2/5 trials: 1 complete, 1 pruned, 0 failed", lines[1]);
        Assert.Contains("4/5 trials: 2 complete, 1 pruned, 1 failed", lines[3]);
        Assert.All(lines[..^1], l => Assert.Matches(@" · [\d.]+ s, about [\d.]+ s left$", l));
    }

    [Fact]
    public void The_time_left_is_the_mean_trial_time_times_the_trials_to_go()
    {
        var (lines, _) = Run(TimeSpan.Zero, TimeSpan.Zero, sleepMs: 200);
        // After 1 of 5 trials of ~0.2 s: about 4 x 0.2 = 0.8 s left (timings are coarse on a busy machine).
        var m = System.Text.RegularExpressions.Regex.Match(lines[0], @"· ([\d.]+) s, about ([\d.]+) s left$");
        Assert.True(m.Success, lines[0]);
        double elapsed = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), left = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(left, 4 * elapsed - 0.26, 4 * elapsed + 0.26); // both printed to 0.1 s: 0.05 + 4 x 0.05
    }

    [Fact]
    public void Short_runs_stay_quiet_and_lines_come_no_faster_than_the_interval()
    {
        Assert.Empty(Run(TimeSpan.FromHours(1), TimeSpan.Zero).Lines);
        var (lines, _) = Run(TimeSpan.Zero, TimeSpan.FromHours(1));
        Assert.Equal(2, lines.Length); // the first trial's line, then the final one
        Assert.Contains("1/5 trials", lines[0]);
        Assert.Contains("5/5 trials", lines[1]);
    }

    /// <summary>A run with no trial limit (nTrials: int.MaxValue) that its callback stops after 4 trials; returns the progress lines.</summary>
    static string[] RunUnbounded(TimeSpan? timeout)
    {
        var (oldDelay, oldInterval) = (OptimizeProgress.Delay, OptimizeProgress.ConsoleInterval);
        (OptimizeProgress.Delay, OptimizeProgress.ConsoleInterval) = (TimeSpan.Zero, TimeSpan.Zero);
        try
        {
            var study = Study.Create("open", sampler: new RandomSampler(5));
            var console = new StringWriter();
            using (var progress = OptimizeProgress.Start(study, nTrials: int.MaxValue, timeout: timeout, console: console))
                study.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: int.MaxValue, timeout: timeout, showProgress: false,
                    callback: progress.Chain((s, t) => { if (t.Number == 3) s.Stop(); }));
            return console.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally { (OptimizeProgress.Delay, OptimizeProgress.ConsoleInterval) = (oldDelay, oldInterval); }
    }

    [Fact]
    public void A_run_without_a_trial_limit_counts_trials_with_no_total_and_no_time_left()
    {
        var lines = RunUnbounded(timeout: null);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("study 'open': 1 trials: 1 complete, 0 pruned, 0 failed · best ", lines[0]);
        Assert.StartsWith("study 'open': 4 trials: 4 complete, 0 pruned, 0 failed · best ", lines[^1]);
        Assert.All(lines, l => Assert.DoesNotContain("/", l));
        Assert.All(lines, l => Assert.DoesNotContain("2147483647", l));
        Assert.All(lines[..^1], l => Assert.DoesNotContain("left", l));
    }

    [Fact]
    public void A_run_without_a_trial_limit_but_with_a_timeout_takes_its_time_left_from_the_timeout()
    {
        var lines = RunUnbounded(timeout: TimeSpan.FromHours(1));
        Assert.StartsWith("study 'open': 1 trials: ", lines[0]);
        // about 59 min 59 s left of the hour: the estimate is the timeout's, not trials to go times the mean trial
        Assert.Matches(@" · [\d.]+ s of 1 h 0 min, about 59 min \d+ s left$", lines[0]);
        Assert.Contains("done in", lines[^1]);
    }
}
