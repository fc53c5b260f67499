using System.Collections.Concurrent;

namespace NotebookKit.Serving.Operations;

/// <summary>What the server predicted for one request, kept so late labels can be matched to it.</summary>
public sealed record StoredPrediction(string Model, string Version, int[] Classes, float[] PositiveScores);

/// <summary>The last <c>capacity</c> requests' predictions by request id (oldest forgotten first).</summary>
public sealed class FeedbackStore(int capacity)
{
    readonly ConcurrentDictionary<string, StoredPrediction> byId = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<string> order = new();
    long counter;

    public string NextId() => "r" + Interlocked.Increment(ref counter).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Add(string id, StoredPrediction prediction)
    {
        if (capacity <= 0) return;
        if (byId.TryAdd(id, prediction)) order.Enqueue(id);
        while (order.Count > capacity && order.TryDequeue(out var old)) byId.TryRemove(old, out _);
    }

    public StoredPrediction? Find(string id) => byId.GetValueOrDefault(id);
}
