using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Text;

/// <summary>
/// Token ids for neural models, fitted on the training split only (so validation and test words the model never saw
/// count as out-of-vocabulary, as they will in production). Id 0 is padding, id 1 is out-of-vocabulary, then tokens
/// by descending training count (ties in code-point order), keeping those seen at least <c>minCount</c> times, at most
/// <c>maxSize</c> of them.
/// </summary>
public sealed class Vocabulary
{
    public const int PadId = 0, OovId = 1;
    public const string PadToken = "<pad>", OovToken = "<oov>";
    const string Format = "notebookkit-vocabulary/1";

    readonly Dictionary<string, int> ids;
    readonly string[] tokens;

    /// <summary>All tokens by id, padding and out-of-vocabulary first.</summary>
    public IReadOnlyList<string> Tokens => tokens;
    /// <summary>Number of ids, including padding and out-of-vocabulary: the size of an embedding table.</summary>
    public int Count => tokens.Length;
    public int MinCount { get; }

    Vocabulary(string[] tokens, int minCount)
    {
        this.tokens = tokens;
        MinCount = minCount;
        ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (!ids.TryAdd(tokens[i], i)) throw new InvalidDataException($"Vocabulary lists the token '{tokens[i]}' twice.");
    }

    public static Vocabulary Fit(IEnumerable<IReadOnlyList<string>> trainingDocuments, int minCount = 1, int? maxSize = null)
    {
        ArgumentNullException.ThrowIfNull(trainingDocuments);
        if (minCount < 1) throw new ArgumentOutOfRangeException(nameof(minCount), $"minCount must be at least 1, got {minCount}.");
        if (maxSize is < 1) throw new ArgumentOutOfRangeException(nameof(maxSize), $"maxSize must be at least 1, got {maxSize}.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var document in trainingDocuments)
            foreach (var token in document)
                counts[token] = counts.GetValueOrDefault(token) + 1;
        var kept = counts.Where(kv => kv.Value >= minCount && kv.Key is not (PadToken or OovToken))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, CodePointOrder.Instance)
            .Take(maxSize ?? int.MaxValue).Select(kv => kv.Key);
        return new Vocabulary([PadToken, OovToken, .. kept], minCount);
    }

    /// <summary>The token's id, or <see cref="OovId"/>.</summary>
    public int this[string token] => ids.TryGetValue(token, out int id) ? id : OovId;

    public bool Contains(string token) => ids.ContainsKey(token);

    /// <summary>Share of tokens not in the vocabulary (a drift signal: new words, new spam styles).</summary>
    public double OovRate(IEnumerable<IReadOnlyList<string>> documents)
    {
        long total = 0, unknown = 0;
        foreach (var document in documents)
            foreach (var token in document) { total++; if (!ids.ContainsKey(token)) unknown++; }
        return total == 0 ? 0 : (double)unknown / total;
    }

    /// <summary>
    /// Ids of each document, padded with <see cref="PadId"/> or cut to <paramref name="maxLength"/> columns: a
    /// [documents, maxLength] int64 tensor. <paramref name="keepEnd"/> keeps the last tokens instead of the first.
    /// </summary>
    public Tensor Encode(IReadOnlyList<IReadOnlyList<string>> documents, int maxLength, bool keepEnd = false, Device? device = null)
    {
        return tensor(EncodeIds(documents, maxLength, keepEnd), [documents.Count, maxLength], device: device);
    }

    /// <summary>The ids of <see cref="Encode"/>, row-major [documents, maxLength].</summary>
    internal long[] EncodeIds(IReadOnlyList<IReadOnlyList<string>> documents, int maxLength, bool keepEnd)
    {
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), $"maxLength must be at least 1, got {maxLength}.");
        var data = new long[documents.Count * maxLength];
        for (int d = 0; d < documents.Count; d++)
        {
            var document = documents[d];
            int length = Math.Min(document.Count, maxLength);
            int start = keepEnd ? document.Count - length : 0;
            for (int i = 0; i < length; i++) data[d * maxLength + i] = this[document[start + i]];
        }
        return data;
    }

    public void Save(string path)
    {
        var json = JsonSerializer.Serialize(new Stored(Format, MinCount, tokens), new JsonSerializerOptions { WriteIndented = false });
        File.WriteAllText(path, json);
    }

    public static Vocabulary Load(string path)
    {
        Stored? stored;
        try { stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a vocabulary file: {e.Message}", e); }
        if (stored is null || stored.Format != Format)
            throw new InvalidDataException($"{path} is not a vocabulary file (expected format '{Format}', got '{stored?.Format}').");
        if (stored.Tokens is not { Length: >= 2 } || stored.Tokens[PadId] != PadToken || stored.Tokens[OovId] != OovToken)
            throw new InvalidDataException($"{path}: a vocabulary starts with '{PadToken}' and '{OovToken}'.");
        return new Vocabulary(stored.Tokens, stored.MinCount);
    }

    sealed record Stored(string Format, int MinCount, string[] Tokens);
}
