using NotebookKit.Monitoring;

namespace NotebookKit.Serving.Client;

/// <summary>One prediction the replay made: its id and row (for feedback), when it was made, whether its input was
/// shifted, the true label that comes back later, and what the server answered.</summary>
public sealed record SentPrediction(string Id, int Row, int Tick, bool Shifted, int Label, int Predicted, float[] Probabilities) : IReplayed;

/// <summary>What monitoring saw at the end of one tick: rows sent and labels returned so far, the labels in the
/// server's quality window that belong to shifted inputs, the drift report (null until the window holds the
/// server's minimum) and the rolling quality (null until the first label).</summary>
public sealed record ReplayTick(int Tick, bool Shifted, int RowsSent, int LabelsReturned, int ShiftedLabelsInWindow,
    DriftReport? Drift, QualitySnapshot? Quality)
{
    /// <summary>Features alerting in this tick's drift report.</summary>
    public int AlertingFeatures => Drift?.Features.Count(f => f.Alert) ?? 0;
}

/// <summary>
/// Replays labelled rows through a model server on one clock (09-monitoring). Each tick, <c>rowsPerTick</c> rows
/// drawn with replacement from the pool are predicted (changed by <c>shift</c> from tick <c>shiftAt</c> on), the
/// labels of the predictions made <c>labelDelay</c> ticks earlier come back as feedback (a biopsy result arrives
/// days after the prediction), and the server's drift report and rolling quality are read. So drift and live
/// accuracy are seen on the same time axis, each with the data it really has at that moment.
/// </summary>
public sealed class TrafficReplay
{
    readonly ModelClient client;
    readonly IReadOnlyList<float[]> rows;
    readonly IReadOnlyList<int> labels;
    readonly Random random;
    readonly ReplayCore<SentPrediction> core;

    /// <summary>Every prediction made so far, in order.</summary>
    public List<SentPrediction> Sent => core.Sent;
    /// <summary>Predictions whose labels were sent back, in the order they were sent.</summary>
    public IReadOnlyList<SentPrediction> Returned => core.Returned;
    /// <summary>Rows per /predict request (clients send small batches).</summary>
    public int RowsPerRequest { get; init; } = 10;

    /// <param name="rows">The pool of raw input rows traffic is drawn from.</param>
    /// <param name="labels">Their true classes, sent back as feedback after the delay.</param>
    public TrafficReplay(ModelClient client, IReadOnlyList<float[]> rows, IReadOnlyList<int> labels, int seed)
    {
        if (rows.Count == 0) throw new ArgumentException("The pool of rows is empty.", nameof(rows));
        if (rows.Count != labels.Count) throw new ArgumentException($"{rows.Count} rows but {labels.Count} labels.", nameof(labels));
        this.client = client; this.rows = rows; this.labels = labels;
        random = new Random(seed);
        core = new(client);
    }

    /// <summary>Predicts <paramref name="count"/> rows drawn with replacement, each changed by
    /// <paramref name="change"/> when given, in requests of <see cref="RowsPerRequest"/>; remembers every prediction.</summary>
    public async Task<SentPrediction[]> SendAsync(int count, int tick = 0, Func<float[], float[]>? change = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        var made = new List<SentPrediction>();
        for (int done = 0; done < count; done += RowsPerRequest)
        {
            var picked = Enumerable.Range(0, Math.Min(RowsPerRequest, count - done)).Select(_ => random.Next(rows.Count)).ToArray();
            var inputs = picked.Select(i => change is null ? rows[i] : change((float[])rows[i].Clone())).ToArray();
            var p = await client.PredictAsync(inputs);
            for (int k = 0; k < picked.Length; k++)
                made.Add(new SentPrediction(p.Id, k, tick, change is not null, labels[picked[k]], p.Classes[k], p.Probabilities[k]));
        }
        return core.Record(made);
    }

    /// <summary>Sends the true labels of <paramref name="predictions"/> as feedback; the server's quality after them.</summary>
    public Task<QualitySnapshot?> ReturnLabelsAsync(IReadOnlyCollection<SentPrediction> predictions) => core.ReturnLabelsAsync(predictions);

    /// <summary>
    /// Runs <paramref name="ticks"/> ticks of traffic: normal until <paramref name="shiftAt"/>, then changed by
    /// <paramref name="shift"/>; labels return <paramref name="labelDelay"/> ticks after their predictions.
    /// </summary>
    public Task<IReadOnlyList<ReplayTick>> RunAsync(int ticks, int rowsPerTick, int labelDelay, int shiftAt, Func<float[], float[]> shift)
    {
        ArgumentNullException.ThrowIfNull(shift);
        return core.RunAsync(ticks, rowsPerTick, nameof(rowsPerTick), labelDelay, shiftAt,
            (t, shifted) => SendAsync(rowsPerTick, t, shifted ? shift : null), client.DriftAsync,
            (t, shifted, shiftedInWindow, drift, quality) => new ReplayTick(t, shifted, Sent.Count, Returned.Count, shiftedInWindow, drift, quality));
    }
}
