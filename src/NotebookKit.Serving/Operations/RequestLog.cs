using System.Text.Json;
using System.Threading.Channels;

namespace NotebookKit.Serving.Operations;

/// <summary>One logged request. Headers (and so API keys) are never logged.</summary>
public sealed record RequestLogEntry(DateTimeOffset Time, string Endpoint, string? Model, string? Version, int Status, double Milliseconds,
    int Rows, int[]? Classes, string? Error, float[][]? Inputs)
{
    /// <summary>On the line the log writes after a second in which the error cap held back lines (endpoint "log",
    /// status 0): how many error lines were not written.</summary>
    public long? Suppressed { get; init; }
}

/// <summary>
/// Request logging to JSON lines: a <c>sampleRate</c> share of requests and errors up to a cap per second, written by
/// a background task so logging never slows a request. When the cap held lines back, one line with endpoint "log"
/// and <c>"suppressed": N</c> follows as soon as the next second starts (or at dispose). Dispose flushes.
/// </summary>
public sealed class RequestLog : IAsyncDisposable
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    readonly Channel<RequestLogEntry> queue = Channel.CreateBounded<RequestLogEntry>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    readonly double sampleRate;
    readonly int maxErrorsPerSecond;
    readonly FileStream stream;
    readonly Task writer;
    readonly object errorGate = new();
    long errorSecond = -1, errorsThisSecond, suppressedThisSecond, suppressed;

    public string Path { get; }
    /// <summary>Errors not written because of the per-second cap.</summary>
    public long SuppressedErrors => Interlocked.Read(ref suppressed);

    /// <summary>Opens (appends to) the file now, so an unwritable path fails at start with an IOException or
    /// UnauthorizedAccessException, not later in the background.</summary>
    public RequestLog(string path, double sampleRate, int maxErrorsPerSecond = 20)
    {
        Path = path;
        this.sampleRate = sampleRate;
        this.maxErrorsPerSecond = maxErrorsPerSecond;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        writer = Task.Run(WriteAll);
    }

    /// <summary>Whether to log this request: successes with probability sampleRate, errors up to maxErrorsPerSecond
    /// (a flood of bad requests cannot fill the disk).</summary>
    public bool Sample(int status)
    {
        bool sampled = sampleRate >= 1 || (sampleRate > 0 && Random.Shared.NextDouble() < sampleRate);
        long second = Environment.TickCount64 / 1000;
        if (status < 400)
        {
            if (Volatile.Read(ref suppressedThisSecond) > 0 && second != Volatile.Read(ref errorSecond))
                lock (errorGate) StartSecond(second);
            return sampled;
        }
        lock (errorGate)
        {
            if (second != errorSecond) StartSecond(second);
            if (++errorsThisSecond <= maxErrorsPerSecond) return true;
            suppressedThisSecond++;
            suppressed++;
            return false;
        }
    }

    /// <summary>Under errorGate: reports what the last second held back, then counts afresh.</summary>
    void StartSecond(long second)
    {
        if (second == errorSecond) return;
        WriteSuppressed();
        errorSecond = second;
        errorsThisSecond = 0;
    }

    void WriteSuppressed()
    {
        if (suppressedThisSecond == 0) return;
        queue.Writer.TryWrite(new RequestLogEntry(DateTimeOffset.UtcNow, "log", null, null, 0, 0, 0, null,
            $"{suppressedThisSecond} error lines not written (more than {maxErrorsPerSecond} in one second)", null) { Suppressed = suppressedThisSecond });
        suppressedThisSecond = 0;
    }

    public void Write(RequestLogEntry entry) => queue.Writer.TryWrite(entry);

    async Task WriteAll()
    {
        await using var text = new StreamWriter(stream);
        await foreach (var e in queue.Reader.ReadAllAsync())
        {
            await text.WriteLineAsync(JsonSerializer.Serialize(e, Json));
            if (queue.Reader.Count == 0) await text.FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (errorGate) WriteSuppressed();
        queue.Writer.TryComplete();
        await writer;
    }
}
