namespace NotebookKit.Tuning;

/// <summary>
/// Keeps one running trial alive in a shared storage: a background thread of its own (not the thread pool, which a
/// busy objective may starve) writes the trial's heartbeat every <see cref="IStudyStorage.HeartbeatInterval"/> until
/// the trial is told. A failed write is only a missed beat: the next one tries again. When a beat finds the trial no
/// longer Running, another worker has failed it: <see cref="Lost"/> turns true and the beats stop. Between beats the
/// thread also runs the study's check for dead workers, so they are found within the grace period even while every
/// live worker is deep in a long objective.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    readonly IStudyStorage storage;
    readonly int studyId, number;
    readonly TimeSpan interval;
    readonly Action check;
    readonly ManualResetEventSlim stopped = new();
    volatile bool lost;

    Heartbeat(IStudyStorage storage, int studyId, int number, TimeSpan interval, Action check) =>
        (this.storage, this.studyId, this.number, this.interval, this.check) = (storage, studyId, number, interval, check);

    /// <summary>True once a beat found the trial failed by another worker.</summary>
    public bool Lost => lost;

    /// <summary>Starts beating for trial <paramref name="number"/>, running <paramref name="check"/> after each beat;
    /// null when the storage needs no heartbeat.</summary>
    public static Heartbeat? Start(IStudyStorage storage, int studyId, int number, Action check)
    {
        if (storage.HeartbeatInterval is not TimeSpan interval) return null;
        var beat = new Heartbeat(storage, studyId, number, interval, check);
        new Thread(beat.Run) { IsBackground = true, Name = $"heartbeat of trial {number}" }.Start();
        return beat;
    }

    void Run()
    {
        while (!stopped.Wait(interval))
        {
            try
            {
                if (!storage.Heartbeat(studyId, number)) { lost = !stopped.IsSet; return; }
                check();
            }
            catch (Exception) { } // a missed beat or check (database busy or unreachable): the next round tries again
        }
    }

    /// <summary>Stops the beats without waiting for one in flight (it may be waiting on the database).</summary>
    public void Dispose() => stopped.Set();
}
