using System.Diagnostics;
using System.Threading.Channels;
using NotebookKit.Serving.Backends;

namespace NotebookKit.Serving.Operations;

/// <summary>
/// Dynamic micro-batching: requests queue; one worker takes the first, then everything already queued, then waits
/// for more only while the first request is younger than <c>budget</c>, up to <c>maxRows</c> rows; runs the backend
/// once on the concatenated rows and hands each request its slice. A zero budget batches only what piled up while
/// the previous batch ran, so a lone request never waits.
/// </summary>
public sealed class MicroBatcher : IAsyncDisposable
{
    sealed record Job(float[] Data, int Rows, long Enqueued, TaskCompletionSource<float[]> Done);

    readonly Channel<Job> queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    readonly IModelBackend backend;
    readonly TimeSpan budget;
    readonly int maxRows;
    readonly Action<int>? onBatch;
    readonly Action<float[], int>? onRows;
    readonly Task worker;

    /// <param name="onBatch">Called with each batch's row count (for metrics).</param>
    /// <param name="onRows">Called with each batch's inputs (for drift monitoring), on the worker thread.</param>
    public MicroBatcher(IModelBackend backend, TimeSpan budget, int maxRows, Action<int>? onBatch = null, Action<float[], int>? onRows = null)
    {
        if (maxRows < 1) throw new ArgumentOutOfRangeException(nameof(maxRows));
        this.backend = backend; this.budget = budget; this.maxRows = maxRows; this.onBatch = onBatch; this.onRows = onRows;
        worker = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Queues rows (row-major) and completes with their probabilities.</summary>
    public Task<float[]> PredictAsync(float[] rowMajor, int rows)
    {
        var job = new Job(rowMajor, rows, Stopwatch.GetTimestamp(), new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(job)) throw new ObjectDisposedException(nameof(MicroBatcher), "This model version has been retired.");
        return job.Done.Task;
    }

    async Task Run()
    {
        var reader = queue.Reader;
        var batch = new List<Job>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            int rows = 0;
            while (rows < maxRows && reader.TryRead(out var job)) { batch.Add(job); rows += job.Rows; }
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
                    while (rows < maxRows && reader.TryRead(out var job)) { batch.Add(job); rows += job.Rows; }
                }
            }
            Execute(batch, rows);
        }
    }

    void Execute(List<Job> batch, int rows)
    {
        try
        {
            float[] input;
            if (batch.Count == 1) input = batch[0].Data;
            else
            {
                input = new float[batch.Sum(j => j.Data.Length)];
                int at = 0;
                foreach (var j in batch) { j.Data.CopyTo(input, at); at += j.Data.Length; }
            }
            var output = backend.Predict(input, rows);
            int k = backend.OutputCount, offset = 0;
            foreach (var j in batch)
            {
                j.Done.TrySetResult(batch.Count == 1 ? output : output.AsSpan(offset * k, j.Rows * k).ToArray());
                offset += j.Rows;
            }
            onBatch?.Invoke(rows);
            onRows?.Invoke(input, rows);
        }
        catch (Exception e)
        {
            foreach (var j in batch) j.Done.TrySetException(e);
        }
    }

    /// <summary>Stops accepting work, finishes everything queued, then returns.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
    }
}
