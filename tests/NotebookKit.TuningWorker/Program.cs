using System.Globalization;
using NotebookKit.Tuning;

// Usage: NotebookKit.TuningWorker <storage URL> <study name> <trials> <sleep ms>[,<sleep ms>...] [--until-complete N]
// Minimises (x - 2)^2 with random search, sleeping in each trial so a test can kill or stop it mid-trial (trial i
// of this process sleeps the i-th number, and every later one the last). Prints
// "ready", one "trial <number> <state> <value>" line per trial it finished (what the test checks the storage
// against), the kit's warnings, and "done". Heartbeat and retry settings come with the storage URL.
if (args.Length is not (4 or 6) || (args.Length == 6 && args[4] != "--until-complete"))
{
    Console.Error.WriteLine("usage: NotebookKit.TuningWorker <storage URL> <study name> <trials> <sleep ms>[,<sleep ms>...] [--until-complete N]");
    return 2;
}
int trials = int.Parse(args[2], CultureInfo.InvariantCulture);
int[] sleeps = args[3].Split(',').Select(ms => int.Parse(ms, CultureInfo.InvariantCulture)).ToArray();
int ran = 0;
int? untilComplete = args.Length == 6 ? int.Parse(args[5], CultureInfo.InvariantCulture) : null;
var study = Study.Create(args[1], args[0], StudyDirection.Minimize, new RandomSampler(Environment.ProcessId),
    loadIfExists: true);
Console.WriteLine("ready");
study.Optimize(t =>
{
    double x = t.SuggestFloat("x", -10, 10);
    t.SetUserAttr("pid", Environment.ProcessId);
    Thread.Sleep(sleeps[Math.Min(Interlocked.Increment(ref ran) - 1, sleeps.Length - 1)]);
    return (x - 2) * (x - 2);
}, nTrials: trials, untilComplete: untilComplete, callback: (_, t) =>
    Console.WriteLine($"trial {t.Number} {t.State} {t.Value?.ToString("R", CultureInfo.InvariantCulture) ?? "-"}"));
Console.WriteLine("done");
return 0;
