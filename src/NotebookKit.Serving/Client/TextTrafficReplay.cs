using NotebookKit.Monitoring;

namespace NotebookKit.Serving.Client;

/// <summary>One text the replay sent: its feedback id and row, its tick, whether it came from the shifted pool, its true
/// label (returned later) and what the server answered.</summary>
public sealed record SentText(string Id, int Row, int Tick, bool Shifted, int Label, int Predicted, double Probability) : IReplayed;

/// <summary>What monitoring saw at the end of one tick: texts sent and labels returned so far, the labels in the
/// server's quality window that belong to shifted texts, the text drift report (null until the window is full) and
/// the rolling quality (null until the first label).</summary>
public sealed record TextReplayTick(int Tick, bool Shifted, int TextsSent, int LabelsReturned, int ShiftedLabelsInWindow,
    TextDriftReport? Drift, QualitySnapshot? Quality)
{
    public bool Alert => Drift?.AnyAlert ?? false;
}

/// <summary>
/// Replays labelled texts through a text model on the server on one clock (10-text-classification-case-study), as
/// <see cref="TrafficReplay"/> does for rows. Each tick, <c>textsPerTick</c> texts are drawn with replacement from the
/// pool; from tick <c>shiftAt</c> on, each is drawn instead from the shifted pool (a new spam campaign, say) with
/// probability <c>shiftShare</c>. The labels of the predictions made <c>labelDelay</c> ticks earlier come back as
/// feedback, then the server's text drift report and rolling quality are read: drift is seen on raw text at once,
/// quality only when the labels arrive.
/// </summary>
public sealed class TextTrafficReplay
{
    readonly ModelClient client;
    readonly IReadOnlyList<string> texts;
    readonly IReadOnlyList<int> labels;
    readonly Random random;
    readonly ReplayCore<SentText> core;

    /// <summary>Every text sent so far, in order.</summary>
    public List<SentText> Sent => core.Sent;
    /// <summary>Texts whose labels were sent back, in the order they were sent.</summary>
    public IReadOnlyList<SentText> Returned => core.Returned;
    public int TextsPerRequest { get; init; } = 10;

    public TextTrafficReplay(ModelClient client, IReadOnlyList<string> texts, IReadOnlyList<int> labels, int seed)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (texts.Count == 0) throw new ArgumentException("The pool of texts is empty.", nameof(texts));
        if (texts.Count != labels.Count) throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels.", nameof(labels));
        this.client = client; this.texts = texts; this.labels = labels;
        random = new Random(seed);
        core = new(client);
    }

    /// <summary>Sends <paramref name="count"/> texts in requests of <see cref="TextsPerRequest"/>, each from the
    /// shifted pool with probability <paramref name="shiftShare"/>; remembers every prediction.</summary>
    public async Task<SentText[]> SendAsync(int count, int tick = 0, IReadOnlyList<string>? shiftedTexts = null,
        IReadOnlyList<int>? shiftedLabels = null, double shiftShare = 0)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (!(shiftShare is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(shiftShare), $"shiftShare must be in [0, 1], got {shiftShare}.");
        if (shiftShare > 0 && (shiftedTexts is not { Count: > 0 } || shiftedLabels?.Count != shiftedTexts.Count))
            throw new ArgumentException("A shift needs a non-empty pool of shifted texts with one label each.", nameof(shiftedTexts));
        var made = new List<SentText>();
        for (int done = 0; done < count; done += TextsPerRequest)
        {
            var picked = Enumerable.Range(0, Math.Min(TextsPerRequest, count - done)).Select(_ =>
            {
                bool shifted = shiftShare > 0 && random.NextDouble() < shiftShare;
                int i = random.Next(shifted ? shiftedTexts!.Count : texts.Count);
                (string Text, int Label, bool Shifted) pick = shifted ? (shiftedTexts![i], shiftedLabels![i], true) : (texts[i], labels[i], false);
                return pick;
            }).ToArray();
            var answer = await client.PredictTextsAsync(picked.Select(p => p.Text).ToArray());
            for (int k = 0; k < picked.Length; k++)
                made.Add(new SentText(answer.Id, k, tick, picked[k].Shifted, picked[k].Label, answer.Classes[k], answer.Probabilities[k]));
        }
        return core.Record(made);
    }

    /// <summary>Sends the true labels of <paramref name="sent"/> as feedback; the server's quality after them.</summary>
    public Task<QualitySnapshot?> ReturnLabelsAsync(IReadOnlyCollection<SentText> sent) => core.ReturnLabelsAsync(sent);

    /// <summary>Runs <paramref name="ticks"/> ticks: the plain pool until <paramref name="shiftAt"/>, then a share
    /// <paramref name="shiftShare"/> from the shifted pool; labels return <paramref name="labelDelay"/> ticks later.</summary>
    public Task<IReadOnlyList<TextReplayTick>> RunAsync(int ticks, int textsPerTick, int labelDelay, int shiftAt,
        IReadOnlyList<string> shiftedTexts, IReadOnlyList<int> shiftedLabels, double shiftShare) =>
        core.RunAsync(ticks, textsPerTick, nameof(textsPerTick), labelDelay, shiftAt,
            (t, shifted) => SendAsync(textsPerTick, t, shiftedTexts, shiftedLabels, shifted ? shiftShare : 0), client.TextDriftAsync,
            (t, shifted, shiftedInWindow, drift, quality) => new TextReplayTick(t, shifted, Sent.Count, Returned.Count, shiftedInWindow, drift, quality));
}
