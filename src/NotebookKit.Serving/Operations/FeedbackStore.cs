using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace NotebookKit.Serving.Operations;

/// <summary>What the server predicted for one request, kept so late labels can be matched to it.</summary>
public sealed record StoredPrediction(string Model, string Version, int[] Classes, float[] PositiveScores)
{
    /// <summary>Bytes this entry holds, with the dictionary, queue and id overheads: what the budget counts.</summary>
    internal long Bytes => 200 + Classes.Length * 4L + PositiveScores.Length * 4L;
}

/// <summary>
/// The last predictions by feedback id, bounded by count and by bytes (oldest forgotten first). Ids are issued here
/// only, 128 random bits each, so a client can neither choose one (no memory inflation through long ids) nor claim one
/// before the server hands it out.
/// </summary>
public sealed class FeedbackStore(int capacity, long budgetBytes)
{
    readonly ConcurrentDictionary<string, StoredPrediction> byId = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<string> order = new();
    long bytes;

    public long Bytes => Interlocked.Read(ref bytes);
    public int Count => byId.Count;

    [ThreadStatic] static byte[]? randomBytes;
    [ThreadStatic] static int randomUsed;

    /// <summary>An unguessable id: 'f' and 22 base64url characters (128 bits).</summary>
    public static string NewId()
    {
        // The CSPRNG's bytes fetched 4 KB at a time per thread: one call per 256 ids instead of one per id.
        if (randomBytes is null || randomUsed == randomBytes.Length)
        {
            randomBytes ??= new byte[4096];
            RandomNumberGenerator.Fill(randomBytes);
            randomUsed = 0;
        }
        var random = randomBytes.AsSpan(randomUsed, 16);
        randomUsed += 16;
        Span<char> id = stackalloc char[23];
        id[0] = 'f';
        System.Buffers.Text.Base64Url.EncodeToChars(random, id[1..]); // 22 characters, no padding
        return new string(id);
    }

    /// <summary>Stores a prediction under a new id and returns the id (null when feedback is off).</summary>
    public string Add(StoredPrediction prediction)
    {
        var id = NewId();
        if (capacity <= 0 || prediction.Bytes > budgetBytes) return id;
        byId[id] = prediction;
        order.Enqueue(id);
        Interlocked.Add(ref bytes, prediction.Bytes);
        while ((order.Count > capacity || Interlocked.Read(ref bytes) > budgetBytes) && order.TryDequeue(out var old))
            if (byId.TryRemove(old, out var gone)) Interlocked.Add(ref bytes, -gone.Bytes);
        return id;
    }

    public StoredPrediction? Find(string id) => byId.GetValueOrDefault(id);
}
