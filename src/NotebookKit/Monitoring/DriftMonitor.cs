using NotebookKit.Display;

namespace NotebookKit.Monitoring;

/// <summary>Per-feature drift of the live window against the reference, with the alert decision.</summary>
public sealed record FeatureDrift(string Feature, double Psi, double KsStatistic, double KsPValue, bool Alert);

/// <summary>A drift evaluation over the current window; displays as a table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class DriftReport(int windowRows, IReadOnlyList<FeatureDrift> features) : IRichDisplay
{
    public int WindowRows { get; } = windowRows;
    public IReadOnlyList<FeatureDrift> Features { get; } = features;
    public bool AnyAlert => Features.Any(f => f.Alert);

    public HtmlTable ToTable(int top = 10)
    {
        var table = new HtmlTable(["feature", "PSI", "KS D", "KS p", "alert"], $"Drift over the last {WindowRows} rows (worst {Math.Min(top, Features.Count)} by PSI)");
        foreach (var f in Features.OrderByDescending(f => f.Psi).Take(top))
            table.AddRow(f.Feature, f.Psi, f.KsStatistic, f.KsPValue, f.Alert ? "ALERT" : "");
        return table;
    }

    public string ToHtml() => ToTable().ToHtml();
    public string ToPlainText() => ToTable().ToPlainText();
}

/// <summary>
/// Watches live inputs for drift: keeps the last <c>windowRows</c> rows in a ring buffer and compares each feature
/// with the training (reference) sample by PSI and a two-sample KS test. A feature alerts when PSI exceeds
/// <see cref="PsiThreshold"/> or the KS p-value falls below <see cref="KsAlpha"/>, once the window holds at least
/// <see cref="MinRows"/> rows. Thread-safe. Introduced in 09-monitoring.
/// </summary>
public sealed class DriftMonitor
{
    readonly double[][] reference;   // [feature][row]
    readonly double[][] referenceShares;
    readonly double[][] edges;
    readonly double[][] window;      // [feature][slot]
    readonly object gate = new();
    int next, filled;

    public IReadOnlyList<string> FeatureNames { get; }
    public int WindowRows { get; }
    public int Bins { get; }
    public double PsiThreshold { get; init; } = 0.25;
    public double KsAlpha { get; init; } = 0.01;
    public int MinRows { get; init; } = 100;
    /// <summary>Rows added since creation (the window keeps only the last <see cref="WindowRows"/>).</summary>
    public long RowsSeen { get; private set; }

    /// <param name="referenceRows">Training inputs, one float array per row, in feature order.</param>
    public DriftMonitor(IReadOnlyList<string> featureNames, IReadOnlyList<float[]> referenceRows, int windowRows = 500, int bins = 10)
    {
        if (featureNames.Count == 0) throw new ArgumentException("No features.", nameof(featureNames));
        if (referenceRows.Count < bins) throw new ArgumentException($"The reference needs at least {bins} rows, got {referenceRows.Count}.", nameof(referenceRows));
        if (windowRows < 2) throw new ArgumentOutOfRangeException(nameof(windowRows), "The window needs at least 2 rows.");
        for (int r = 0; r < referenceRows.Count; r++)
            if (referenceRows[r].Length != featureNames.Count)
                throw new ArgumentException($"Reference row {r} has {referenceRows[r].Length} values, expected {featureNames.Count}.", nameof(referenceRows));
        FeatureNames = featureNames.ToArray();
        WindowRows = windowRows;
        Bins = bins;
        int d = featureNames.Count;
        reference = new double[d][];
        edges = new double[d][];
        referenceShares = new double[d][];
        window = new double[d][];
        for (int f = 0; f < d; f++)
        {
            reference[f] = referenceRows.Select(r => (double)r[f]).ToArray();
            edges[f] = Drift.QuantileEdges(reference[f], bins);
            referenceShares[f] = Drift.BinShares(reference[f], edges[f]);
            window[f] = new double[windowRows];
        }
    }

    /// <summary>Adds live rows ([rows, features] row-major). Non-finite values are ignored by the caller's validation.</summary>
    public void Add(ReadOnlySpan<float> rowMajor, int rows)
    {
        int d = FeatureNames.Count;
        if (rowMajor.Length != rows * d) throw new ArgumentException($"Expected {rows} x {d} values, got {rowMajor.Length}.", nameof(rowMajor));
        lock (gate)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int f = 0; f < d; f++) window[f][next] = rowMajor[r * d + f];
                next = (next + 1) % WindowRows;
                if (filled < WindowRows) filled++;
            }
            RowsSeen += rows;
        }
    }

    public void Add(float[] row) => Add(row, 1);

    /// <summary>Empties the window (e.g. after retraining on new reference data).</summary>
    public void Reset() { lock (gate) { next = 0; filled = 0; } }

    /// <summary>PSI and KS per feature over the rows currently in the window; null while it holds fewer than <see cref="MinRows"/>.</summary>
    public DriftReport? Evaluate()
    {
        double[][] current;
        lock (gate)
        {
            if (filled < Math.Max(2, MinRows)) return null;
            current = window.Select(w => w.AsSpan(0, filled).ToArray()).ToArray();
        }
        var results = new FeatureDrift[FeatureNames.Count];
        for (int f = 0; f < results.Length; f++)
        {
            double psi = Drift.PsiFromShares(referenceShares[f], Drift.BinShares(current[f], edges[f]));
            var ks = Drift.KolmogorovSmirnov(reference[f], current[f]);
            results[f] = new FeatureDrift(FeatureNames[f], psi, ks.Statistic, ks.PValue, psi > PsiThreshold || ks.PValue < KsAlpha);
        }
        return new DriftReport(current[0].Length, results);
    }
}
