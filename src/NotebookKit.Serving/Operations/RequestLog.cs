using System.Text.Json;
using System.Threading.Channels;

namespace NotebookKit.Serving.Operations;

/// <summary>One logged request. Headers (and so API keys) are never logged.</summary>
public sealed record RequestLogEntry(DateTimeOffset Time, string Endpoint, string? Model, string? Version, int Status, double Milliseconds,
    int Rows, int[]? Classes, string? Error, float[][]? Inputs);

/// <summary>
/// Request logging to JSON lines: a <c>sampleRate</c> share of requests (errors always), written by a background
/// task so logging never slows a request. Dispose flushes.
/// </summary>
public sealed class RequestLog : IAsyncDisposable
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    readonly Channel<RequestLogEntry> queue = Channel.CreateBounded<RequestLogEntry>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    readonly double sampleRate;
    readonly Task writer;

    public string Path { get; }

    public RequestLog(string path, double sampleRate)
    {
        Path = path;
        this.sampleRate = sampleRate;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        writer = Task.Run(WriteAll);
    }

    /// <summary>Whether to log this request: errors always, the rest with probability sampleRate.</summary>
    public bool Sample(int status) => status >= 400 || sampleRate >= 1 || (sampleRate > 0 && Random.Shared.NextDouble() < sampleRate);

    public void Write(RequestLogEntry entry) => queue.Writer.TryWrite(entry);

    async Task WriteAll()
    {
        await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        await using var text = new StreamWriter(stream);
        await foreach (var e in queue.Reader.ReadAllAsync())
        {
            await text.WriteLineAsync(JsonSerializer.Serialize(e, Json));
            if (queue.Reader.Count == 0) await text.FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writer;
    }
}
