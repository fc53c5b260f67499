using System.Diagnostics;
using System.Threading.Channels;
using NotebookKit.Serving.Backends;

namespace NotebookKit.Serving.Operations;

/// <summary>
/// Dynamic micro-batching. With a zero budget (the default) a request that finds the backend idle and nothing queued
/// runs its rows at once on its own thread: no queue, no hand-over to another thread, no wait. It does so only while
/// the backend's last call took less than <c>inlineUnder</c>, so a slow backend (whose first call always goes through
/// the queue) stays behind the queue, where the caller's timeout applies. Requests that arrive while the backend is
/// busy queue; one worker takes everything queued (up to <c>maxRows</c> rows), runs the backend once on the
/// concatenated rows and hands each request its slice. A positive budget queues every request and lets the first of
/// a batch wait up to <c>budget</c> for others to join.
/// </summary>
public sealed class MicroBatcher : IAsyncDisposable
{
    sealed record Job(float[] Data, int Rows, long Enqueued, TaskCompletionSource<float[]> Done);

    readonly Channel<Job> queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    // Held while the backend runs: by a request running its own rows, or by the worker running a batch.
    readonly SemaphoreSlim backendGate = new(1, 1);
    readonly IModelBackend backend;
    readonly TimeSpan budget;
    readonly int maxRows;
    readonly Action<int>? onBatch;
    readonly Action<float[], int>? onRows;
    readonly Task worker;
    readonly long inlineUnderTicks;
    long lastCallTicks = long.MaxValue; // Stopwatch ticks of the backend's last call; unknown before the first
    int queued; // jobs written and not yet taken by the worker (the single-reader channel cannot count)
    volatile bool retired;

    /// <param name="onBatch">Called with each batch's row count (for metrics).</param>
    /// <param name="onRows">Called with each batch's inputs (for drift monitoring), after the backend is released: calls
    /// for different batches may overlap, so it must be thread-safe.</param>
    /// <param name="inlineUnder">A lone request runs on its own thread while the backend's last call took less than
    /// this (default 1 s; the server passes a tenth of its request timeout). Zero: always queue.</param>
    public MicroBatcher(IModelBackend backend, TimeSpan budget, int maxRows, Action<int>? onBatch = null, Action<float[], int>? onRows = null,
        TimeSpan? inlineUnder = null)
    {
        if (maxRows < 1) throw new ArgumentOutOfRangeException(nameof(maxRows));
        this.backend = backend; this.budget = budget; this.maxRows = maxRows; this.onBatch = onBatch; this.onRows = onRows;
        inlineUnderTicks = (long)((inlineUnder ?? TimeSpan.FromSeconds(1)).TotalSeconds * Stopwatch.Frequency);
        worker = Task.Run(Run);
    }

    /// <summary>Runs rows (row-major) and completes with their probabilities: at once when the backend is idle and
    /// nothing is queued (the task is then already complete), else in the next batch.</summary>
    public Task<float[]> PredictAsync(float[] rowMajor, int rows)
    {
        if (retired) throw Retired();
        if (budget == TimeSpan.Zero && Volatile.Read(ref lastCallTicks) < inlineUnderTicks && Volatile.Read(ref queued) == 0 && backendGate.Wait(0))
        {
            float[] output;
            try { output = RunBackend(rowMajor, rows); }
            catch (Exception e) { return Task.FromException<float[]>(e); }
            finally { backendGate.Release(); }
            try { Observe(rowMajor, rows); }
            catch (Exception e) { return Task.FromException<float[]>(e); }
            return Task.FromResult(output);
        }
        var job = new Job(rowMajor, rows, Stopwatch.GetTimestamp(), new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref queued);
        if (!queue.Writer.TryWrite(job)) { Interlocked.Decrement(ref queued); throw Retired(); }
        return job.Done.Task;
    }

    static ObjectDisposedException Retired() => new(nameof(MicroBatcher), "This model version has been retired.");

    /// <summary>The backend call alone: the only work done holding the gate.</summary>
    float[] RunBackend(float[] input, int rows)
    {
        long start = Stopwatch.GetTimestamp();
        try { return backend.Predict(input, rows); }
        finally { Volatile.Write(ref lastCallTicks, Stopwatch.GetTimestamp() - start); }
    }

    /// <summary>Metrics and the drift window, after the gate is released and before the answers (the drift monitor
    /// locks its own window).</summary>
    void Observe(float[] input, int rows)
    {
        onBatch?.Invoke(rows);
        onRows?.Invoke(input, rows);
    }

    async Task Run()
    {
        var reader = queue.Reader;
        var batch = new List<Job>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            int rows = 0;
            while (rows < maxRows && reader.TryRead(out var job)) { Interlocked.Decrement(ref queued); batch.Add(job); rows += job.Rows; }
            if (batch.Count == 0) continue;
            if (budget > TimeSpan.Zero)
            {
                while (rows < maxRows)
                {
                    var left = budget - Stopwatch.GetElapsedTime(batch[0].Enqueued);
                    if (left <= TimeSpan.Zero) break;
                    using var timeout = new CancellationTokenSource(left);
                    try
                    {
                        if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break;
                    }
                    catch (OperationCanceledException) { break; }
                    while (rows < maxRows && reader.TryRead(out var job)) { Interlocked.Decrement(ref queued); batch.Add(job); rows += job.Rows; }
                }
            }
            await Execute(batch, rows).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a batch, then frees the backend before updating metrics and drift and answering its requests, so
    /// the next batch does not wait for them and a request that comes in on an answer finds the backend idle. A client
    /// that has its answer finds its rows in the drift window.</summary>
    async Task Execute(List<Job> batch, int rows)
    {
        float[] input;
        if (batch.Count == 1) input = batch[0].Data;
        else
        {
            input = new float[batch.Sum(j => j.Data.Length)];
            int at = 0;
            foreach (var j in batch) { j.Data.CopyTo(input, at); at += j.Data.Length; }
        }
        float[] output;
        await backendGate.WaitAsync().ConfigureAwait(false);
        try { output = RunBackend(input, rows); }
        catch (Exception e)
        {
            foreach (var j in batch) j.Done.TrySetException(e);
            return;
        }
        finally { backendGate.Release(); }
        try { Observe(input, rows); }
        catch (Exception e)
        {
            foreach (var j in batch) j.Done.TrySetException(e);
            return;
        }
        int k = backend.OutputCount, offset = 0;
        foreach (var j in batch)
        {
            j.Done.TrySetResult(batch.Count == 1 ? output : output.AsSpan(offset * k, j.Rows * k).ToArray());
            offset += j.Rows;
        }
    }

    /// <summary>Stops accepting work, finishes everything queued and any request running its own rows, then returns.</summary>
    public async ValueTask DisposeAsync()
    {
        retired = true;
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
        await backendGate.WaitAsync().ConfigureAwait(false);
    }
}
