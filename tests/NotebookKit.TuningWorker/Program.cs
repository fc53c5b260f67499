using NotebookKit.Tuning;

// Usage: NotebookKit.TuningWorker <storage URL> <study name> <trials> <sleep ms>
// Minimises (x - 2)^2 with random search, sleeping in each trial so a test can kill it mid-trial.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: NotebookKit.TuningWorker <storage URL> <study name> <trials> <sleep ms>");
    return 2;
}
int trials = int.Parse(args[2]);
int sleep = int.Parse(args[3]);
var study = Study.Create(args[1], args[0], StudyDirection.Minimize, new RandomSampler(Environment.ProcessId),
    loadIfExists: true);
Console.WriteLine("ready");
study.Optimize(t =>
{
    double x = t.SuggestFloat("x", -10, 10);
    t.SetUserAttr("pid", Environment.ProcessId);
    Thread.Sleep(sleep);
    return (x - 2) * (x - 2);
}, nTrials: trials);
Console.WriteLine("done");
return 0;
