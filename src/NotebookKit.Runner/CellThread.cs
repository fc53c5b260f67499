using System.Collections.Concurrent;

namespace NotebookKit.Runner;

/// <summary>
/// One background thread per notebook that runs its cells in order. Roslyn runs a submission synchronously up to
/// its first await, so a dedicated thread is what lets the runner give up on a cell that exceeds its time limit;
/// keeping one thread per notebook also keeps thread-local state (torch's grad mode, dispose scopes) across cells.
/// </summary>
public sealed class CellThread : IDisposable
{
    readonly BlockingCollection<Action> work = new();
    readonly Thread thread;

    public CellThread(string name)
    {
        thread = new Thread(() =>
        {
            foreach (var action in work.GetConsumingEnumerable()) action();
        }, maxStackSize: 16 * 1024 * 1024) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Runs <paramref name="action"/> on the thread; false if it did not finish within <paramref name="timeout"/>.</summary>
    public bool TryRun(Action action, TimeSpan timeout)
    {
        using var done = new ManualResetEventSlim();
        work.Add(() =>
        {
            try { action(); }
            finally { done.Set(); }
        });
        return done.Wait(timeout);
    }

    public void Dispose() => work.CompleteAdding();
}
