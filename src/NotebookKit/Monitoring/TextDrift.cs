using System.Text.Json.Serialization;
using NotebookKit.Display;

namespace NotebookKit.Monitoring;

/// <summary>Settings of <see cref="TextDriftReference.Fit"/>.</summary>
public sealed record TextDriftOptions
{
    /// <summary>Texts in the live window; the noise floor is computed for windows of exactly this many.</summary>
    public int WindowTexts { get; init; } = 200;
    /// <summary>The most frequent known reference tokens get a bin each; two more bins hold the other known tokens and
    /// the unknown ones.</summary>
    public int TopTokens { get; init; } = 100;
    /// <summary>Equal-count bins of text length (characters) from the reference quantiles.</summary>
    public int LengthBins { get; init; } = 10;
    /// <summary>False-alarm rate per signal per evaluation, for a window from the reference distribution. Small,
    /// because a monitor is read often: each read of a sliding window is another chance of a false alarm.</summary>
    public double Alpha { get; init; } = 0.001;
    /// <summary>Windows drawn from the reference to compute the noise floor; null: 20 / <see cref="Alpha"/>, so that
    /// about 20 of them lie beyond the floor and the tail quantile is estimated from more than a couple of values.</summary>
    public int? Resamples { get; init; }
    public int Seed { get; init; } = 0;
}

/// <summary>
/// The training-time picture of a text stream that live text is compared with (introduced in
/// 10-text-classification-case-study), and the alert thresholds, computed from the reference itself. Three signals:
/// <list type="bullet">
/// <item><c>oov_rate</c>: the share of tokens the model does not know; new words (a new spam campaign, another
/// language) raise it before any label comes back;</item>
/// <item><c>length_psi</c>: PSI of text length in characters over equal-count bins of the reference lengths;</item>
/// <item><c>token_psi</c>: PSI of token frequencies over bins for the <see cref="TopTokens"/>, the other known tokens
/// and the unknown ones.</item>
/// </list>
/// The noise floor is measured, not assumed: <see cref="Resamples"/> windows of
/// <see cref="WindowTexts"/> texts are drawn with replacement from the reference, and each signal's floor is the
/// (1 - α) quantile of its value over them (for the OOV rate, of its rise above the reference rate). A live window is
/// a fresh sample, not a resample, so its distance from the reference also carries the reference's own sampling
/// noise: PSI, like a chi-square statistic, grows with 1/n_window + 1/n_reference, so its threshold is the floor
/// times (1 + W/N); a rate's deviation grows with the square root of that, so the OOV threshold is the reference rate
/// plus the floor times √(1 + W/N). Use held-out texts from the training period (the validation split) as the
/// reference: texts the vocabulary was fitted on have fewer unknown words than any new text will.
/// </summary>
public sealed record TextDriftReference
{
    public const string OovSignal = "oov_rate", LengthSignal = "length_psi", TokenSignal = "token_psi";
    const int Signals = 3;

    public required int WindowTexts { get; init; }
    public required int ReferenceTexts { get; init; }
    /// <summary>Upper edges of the length bins (the last bin is open).</summary>
    public required double[] LengthEdges { get; init; }
    public required double[] LengthShares { get; init; }
    /// <summary>The tokens with a bin of their own; bin TopTokens.Length holds other known tokens, the last unknown ones.</summary>
    public required string[] TopTokens { get; init; }
    public required double[] TokenShares { get; init; }
    public required double OovRate { get; init; }
    public required double Alpha { get; init; }
    public required int Resamples { get; init; }
    /// <summary>Per signal, the (1 - α) quantile over windows resampled from the reference.</summary>
    public required IReadOnlyDictionary<string, double> NoiseFloor { get; init; }
    /// <summary>Per signal, the value above which a live window alerts.</summary>
    public required IReadOnlyDictionary<string, double> Thresholds { get; init; }

    Dictionary<string, int>? binOf;
    [JsonIgnore] Dictionary<string, int> BinOf => binOf ??= TopTokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);

    /// <summary>
    /// Fits the reference on <paramref name="texts"/> (raw) and their <paramref name="tokens"/> (as the model's
    /// pipeline makes them); <paramref name="known"/> says whether the model knows a token.
    /// </summary>
    public static TextDriftReference Fit(IReadOnlyList<string> texts, IReadOnlyList<IReadOnlyList<string>> tokens,
        Func<string, bool> known, TextDriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(known);
        var o = options ?? new TextDriftOptions();
        if (texts.Count != tokens.Count) throw new ArgumentException($"{texts.Count} texts but {tokens.Count} token lists.", nameof(tokens));
        if (o.WindowTexts < 10) throw new ArgumentOutOfRangeException(nameof(options), $"WindowTexts must be at least 10, got {o.WindowTexts}.");
        if (!(o.Alpha is >= 1e-5 and < 0.5)) throw new ArgumentOutOfRangeException(nameof(options), $"Alpha must be in [1e-5, 0.5), got {o.Alpha}.");
        int resamples = o.Resamples ?? (int)Math.Ceiling(20 / o.Alpha);
        if (o.TopTokens < 1 || o.LengthBins < 2 || resamples * o.Alpha < 5)
            throw new ArgumentOutOfRangeException(nameof(options),
                $"Use at least 1 top token, 2 length bins and {(int)Math.Ceiling(5 / o.Alpha)} resamples (5 beyond the floor at alpha {o.Alpha}), got {resamples}.");
        if (texts.Count < Math.Max(50, 2 * o.LengthBins))
            throw new ArgumentException($"The reference needs at least {Math.Max(50, 2 * o.LengthBins)} texts, got {texts.Count}.", nameof(texts));

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var document in tokens)
            foreach (var t in document)
                if (known(t)) counts[t] = counts.GetValueOrDefault(t) + 1;
        var top = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(o.TopTokens).Select(kv => kv.Key).ToArray();
        var lengths = texts.Select(t => (double)t.Length).ToArray();
        var edges = Drift.QuantileEdges(lengths, o.LengthBins);
        var draft = new TextDriftReference
        {
            WindowTexts = o.WindowTexts, ReferenceTexts = texts.Count, LengthEdges = edges, LengthShares = Drift.BinShares(lengths, edges),
            TopTokens = top, TokenShares = [], OovRate = 0, Alpha = o.Alpha, Resamples = resamples,
            NoiseFloor = new Dictionary<string, double>(), Thresholds = new Dictionary<string, double>(),
        };
        var summaries = texts.Select((t, i) => draft.Summarize(t, tokens[i], known)).ToArray();
        var (tokenShares, oov) = Pool(summaries, top.Length + 2);
        draft = draft with { TokenShares = tokenShares, OovRate = oov };

        // The noise floor: the signals of windows resampled from the reference itself.
        var random = new Random(o.Seed);
        var values = new double[Signals][];
        for (int s = 0; s < Signals; s++) values[s] = new double[resamples];
        var window = new TextSummary[o.WindowTexts];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < window.Length; i++) window[i] = summaries[random.Next(summaries.Length)];
            var v = draft.Measure(window);
            values[0][r] = v[0] - oov;
            values[1][r] = v[1];
            values[2][r] = v[2];
        }
        double widen = 1 + (double)o.WindowTexts / texts.Count;
        var floor = values.Select(v => Quantile(v, 1 - o.Alpha)).ToArray();
        return draft with
        {
            NoiseFloor = new Dictionary<string, double> { [OovSignal] = floor[0], [LengthSignal] = floor[1], [TokenSignal] = floor[2] },
            Thresholds = new Dictionary<string, double>
            {
                [OovSignal] = oov + Math.Max(floor[0], 0) * Math.Sqrt(widen), [LengthSignal] = floor[1] * widen, [TokenSignal] = floor[2] * widen,
            },
        };
    }

    /// <summary>One text as the monitor keeps it: its length, its token count per bin and its unknown tokens.</summary>
    internal TextSummary Summarize(string text, IReadOnlyList<string> tokens, Func<string, bool> known)
    {
        var bins = new Dictionary<int, int>();
        int unknown = 0, other = TopTokens.Length;
        foreach (var t in tokens)
        {
            int bin = BinOf.TryGetValue(t, out int b) ? b : known(t) ? other : other + 1;
            if (bin == other + 1) unknown++;
            bins[bin] = bins.GetValueOrDefault(bin) + 1;
        }
        return new TextSummary(text.Length, tokens.Count, unknown, bins.Select(kv => (kv.Key, kv.Value)).ToArray());
    }

    /// <summary>OOV rate, length PSI and token PSI of a window.</summary>
    internal double[] Measure(IReadOnlyList<TextSummary> window)
    {
        var (shares, oov) = Pool(window, TopTokens.Length + 2);
        var lengths = window.Select(s => (double)s.Length).ToArray();
        return [oov, Drift.PsiFromShares(LengthShares, Drift.BinShares(lengths, LengthEdges)), Drift.PsiFromShares(TokenShares, shares)];
    }

    static (double[] Shares, double Oov) Pool(IReadOnlyList<TextSummary> texts, int bins)
    {
        var shares = new double[bins];
        long total = 0, unknown = 0;
        foreach (var s in texts)
        {
            total += s.Tokens;
            unknown += s.Unknown;
            foreach (var (bin, count) in s.Bins) shares[bin] += count;
        }
        if (total > 0) for (int i = 0; i < bins; i++) shares[i] /= total;
        return (shares, total == 0 ? 0 : (double)unknown / total);
    }

    static double Quantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        double pos = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first inconsistency (a reference read from a file).</summary>
    public void Validate()
    {
        void Require(bool ok, string what) { if (!ok) throw new InvalidDataException($"Text drift reference: {what}."); }
        Require(WindowTexts >= 10 && ReferenceTexts >= 1, "the window needs at least 10 texts and the reference at least one");
        Require(LengthEdges is { Length: >= 1 } && LengthEdges.All(double.IsFinite) && LengthEdges.Zip(LengthEdges.Skip(1)).All(p => p.First < p.Second),
            "length edges must be finite and increasing");
        Require(LengthShares?.Length == LengthEdges!.Length + 1, "there must be one length share per bin");
        Require(TopTokens is { Length: >= 1 } && TopTokens.Distinct(StringComparer.Ordinal).Count() == TopTokens.Length, "top tokens must be distinct");
        Require(TokenShares?.Length == TopTokens!.Length + 2, "there must be one token share per top token, plus other and unknown");
        foreach (var shares in new[] { LengthShares!, TokenShares! })
            Require(shares.All(v => v is >= 0 and <= 1) && Math.Abs(shares.Sum() - 1) < 1e-6, "shares must be in [0, 1] and sum to 1");
        Require(OovRate is >= 0 and <= 1, "the OOV rate must be in [0, 1]");
        foreach (var s in new[] { OovSignal, LengthSignal, TokenSignal })
            Require(NoiseFloor?.TryGetValue(s, out var f) == true && double.IsFinite(f) && Thresholds?.TryGetValue(s, out var t) == true && double.IsFinite(t) && t >= 0,
                $"signal '{s}' needs a finite noise floor and threshold");
    }
}

/// <summary>One text in a <see cref="TextDriftMonitor"/>'s window.</summary>
internal readonly record struct TextSummary(int Length, int Tokens, int Unknown, (int Bin, int Count)[] Bins);

/// <summary>One text drift signal of a live window: its value, the reference's, the alert threshold and the decision.</summary>
public sealed record TextSignal(string Signal, double Value, double Reference, double NoiseFloor, double Threshold, bool Alert);

/// <summary>Text drift over the last <see cref="WindowTexts"/> texts; displays as a table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class TextDriftReport(int windowTexts, long textsSeen, IReadOnlyList<TextSignal> signals) : IRichDisplay
{
    public int WindowTexts { get; } = windowTexts;
    public long TextsSeen { get; } = textsSeen;
    public IReadOnlyList<TextSignal> Signals { get; } = signals;
    public bool AnyAlert => Signals.Any(s => s.Alert);
    public TextSignal this[string signal] => Signals.FirstOrDefault(s => s.Signal == signal)
        ?? throw new KeyNotFoundException($"No signal '{signal}'; the signals are {string.Join(", ", Signals.Select(s => s.Signal))}.");

    public HtmlTable ToTable()
    {
        var table = new HtmlTable(["signal", "window", "reference", "noise floor", "threshold", "alert"],
            $"Text drift over the last {WindowTexts} texts ({TextsSeen} seen)");
        foreach (var s in Signals) table.AddRow(s.Signal, s.Value, s.Reference, s.NoiseFloor, s.Threshold, s.Alert ? "ALERT" : "");
        return table;
    }

    public string ToHtml() => ToTable().ToHtml();
    public string ToPlainText() => ToTable().ToPlainText();
}

/// <summary>
/// Watches live text for drift (10-text-classification-case-study): keeps the last
/// <see cref="TextDriftReference.WindowTexts"/> texts (as summaries, not the texts) and compares the window with the
/// reference by OOV rate, length PSI and token-frequency PSI. It reports only when the window is full, because the
/// thresholds were computed for windows of exactly that size. Thread-safe.
/// </summary>
public sealed class TextDriftMonitor
{
    readonly TextDriftReference reference;
    readonly Func<string, bool> known;
    readonly TextSummary[] window;
    readonly object gate = new();
    int next, filled;

    public TextDriftReference Reference => reference;
    public int WindowTexts => window.Length;
    /// <summary>Texts added since creation or <see cref="Reset"/>.</summary>
    public long TextsSeen { get; private set; }

    /// <param name="known">Whether the model knows a token (its vocabulary or TF-IDF terms).</param>
    public TextDriftMonitor(TextDriftReference reference, Func<string, bool> known)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(known);
        reference.Validate();
        this.reference = reference;
        this.known = known;
        window = new TextSummary[reference.WindowTexts];
    }

    /// <summary>Adds one live text and its tokens (as the model's pipeline made them).</summary>
    public void Add(string text, IReadOnlyList<string> tokens)
    {
        var summary = reference.Summarize(text, tokens, known);
        lock (gate)
        {
            window[next] = summary;
            next = (next + 1) % window.Length;
            if (filled < window.Length) filled++;
            TextsSeen++;
        }
    }

    public void Add(IReadOnlyList<string> texts, IReadOnlyList<IReadOnlyList<string>> tokens)
    {
        if (texts.Count != tokens.Count) throw new ArgumentException($"{texts.Count} texts but {tokens.Count} token lists.", nameof(tokens));
        for (int i = 0; i < texts.Count; i++) Add(texts[i], tokens[i]);
    }

    public void Reset() { lock (gate) { next = 0; filled = 0; TextsSeen = 0; } }

    /// <summary>The three signals over the window; null until it is full.</summary>
    public TextDriftReport? Evaluate()
    {
        TextSummary[] current;
        long seen;
        lock (gate)
        {
            if (filled < window.Length) return null;
            current = (TextSummary[])window.Clone();
            seen = TextsSeen;
        }
        var v = reference.Measure(current);
        TextSignal Signal(string name, double value, double referenceValue) =>
            new(name, value, referenceValue, reference.NoiseFloor[name], reference.Thresholds[name], value > reference.Thresholds[name]);
        return new TextDriftReport(window.Length, seen, [
            Signal(TextDriftReference.OovSignal, v[0], reference.OovRate),
            Signal(TextDriftReference.LengthSignal, v[1], 0),
            Signal(TextDriftReference.TokenSignal, v[2], 0)]);
    }
}
