namespace NotebookKit.Tests.Tuning;

/// <summary>
/// Runs work while another thread forces garbage collections and finalisers back to back. A TorchSharp Scalar made for
/// one native call and then dropped could be finalised during that call, freeing what libtorch reads: it failed with
/// "Unknown scalar type" or "toDouble" (src/NotebookKit/Setup/Held.cs).
/// </summary>
static class Collector
{
    public static async Task WhileCollecting(Action work)
    {
        using var stop = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        int collections = 0;
        // A thread of its own, and the work waits for its first collection: a pool task could start after a short
        // work had finished when the pool is busy with parallel tests.
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); collections++; started.Set(); }
        }) { IsBackground = true, Name = "collector" };
        collector.Start();
        started.Wait();
        int before = collections;
        try { work(); }
        finally
        {
            stop.Cancel();
            await Task.Run(collector.Join);
        }
        Assert.True(collections > before, "no garbage collection ran beside the work");
    }
}
