using NotebookKit.Monitoring;

namespace NotebookKit.Serving.Client;

/// <summary>What a replay remembers of one prediction to send its label back later.</summary>
internal interface IReplayed
{
    string Id { get; }
    int Row { get; }
    int Tick { get; }
    bool Shifted { get; }
    int Label { get; }
}

/// <summary>
/// The clock shared by <see cref="TrafficReplay"/> (rows) and <see cref="TextTrafficReplay"/> (texts): every
/// prediction made, also kept by tick so the labels due at a tick are found without rescanning all that was sent, the
/// labels returned, and the tick loop (send; return the labels of tick t - labelDelay; read drift and quality; count
/// the labels in the server's quality window that belong to shifted inputs).
/// </summary>
internal sealed class ReplayCore<T>(ModelClient client) where T : IReplayed
{
    readonly Dictionary<int, List<T>> byTick = [];

    public List<T> Sent { get; } = [];
    public List<T> Returned { get; } = [];

    public T[] Record(List<T> made)
    {
        Sent.AddRange(made);
        foreach (var s in made)
        {
            if (!byTick.TryGetValue(s.Tick, out var bucket)) byTick[s.Tick] = bucket = [];
            bucket.Add(s);
        }
        return made.ToArray();
    }

    public async Task<QualitySnapshot?> ReturnLabelsAsync(IReadOnlyCollection<T> sent)
    {
        if (sent.Count == 0) return null;
        var quality = await client.FeedbackAsync(sent.Select(s => (s.Id, s.Row, s.Label)));
        Returned.AddRange(sent);
        return quality;
    }

    /// <summary>Runs the ticks: <paramref name="send"/>(tick, shifted) makes the tick's predictions,
    /// <paramref name="read"/> reads the server's drift and quality, <paramref name="tick"/> builds the tick's record
    /// from (tick, shifted, shifted labels in the quality window, drift, quality).</summary>
    public async Task<IReadOnlyList<TTick>> RunAsync<TReport, TTick>(int ticks, int perTick, string perTickName, int labelDelay, int shiftAt,
        Func<int, bool, Task> send, Func<Task<(TReport? Drift, QualitySnapshot? Quality)>> read,
        Func<int, bool, int, TReport?, QualitySnapshot?, TTick> tick) where TReport : class
    {
        if (ticks < 1) throw new ArgumentOutOfRangeException(nameof(ticks), "Run at least one tick.");
        if (perTick < 1) throw new ArgumentOutOfRangeException(perTickName, $"{perTickName} must be at least 1, got {perTick}.");
        if (labelDelay < 0) throw new ArgumentOutOfRangeException(nameof(labelDelay), "Labels cannot come back before the prediction.");
        var timeline = new List<TTick>();
        for (int t = 0; t < ticks; t++)
        {
            bool shifted = t >= shiftAt;
            await send(t, shifted);
            await ReturnLabelsAsync(byTick.TryGetValue(t - labelDelay, out var due) ? due : []);
            var (drift, quality) = await read();
            int shiftedInWindow = 0;
            for (int i = Math.Max(0, Returned.Count - (quality?.Count ?? 0)); i < Returned.Count; i++) if (Returned[i].Shifted) shiftedInWindow++;
            timeline.Add(tick(t, shifted, shiftedInWindow, drift, quality));
        }
        return timeline;
    }
}
