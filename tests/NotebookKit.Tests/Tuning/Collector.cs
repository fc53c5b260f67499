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
        int collections = 0;
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); collections++; }
        });
        try { work(); }
        finally
        {
            stop.Cancel();
            await collector;
        }
        Assert.True(collections > 0, "no garbage collection ran beside the work");
    }
}
