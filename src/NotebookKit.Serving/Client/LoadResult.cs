using NotebookKit.Display;

namespace NotebookKit.Serving.Client;

/// <summary>
/// What a short load (<see cref="ModelClient.LoadAsync"/>) measured: each request's latency in milliseconds, the wall
/// time and the failures. Percentiles are nearest-rank (the smallest latency with at least q of the requests at or
/// below it), as load tools such as wrk report them. Displays as a one-row table.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class LoadResult : IRichDisplay
{
    readonly double[] sorted;

    public int Callers { get; }
    public double Seconds { get; }
    public IReadOnlyList<double> LatenciesMs { get; }
    public int Failures { get; }
    public int Requests => LatenciesMs.Count;
    public double RequestsPerSecond => Requests / Seconds;

    public LoadResult(int callers, double seconds, double[] latenciesMs, int failures)
    {
        if (latenciesMs.Length == 0) throw new ArgumentException("No requests were timed.", nameof(latenciesMs));
        if (!(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(seconds), "The load must have taken some time.");
        Callers = callers; Seconds = seconds; LatenciesMs = latenciesMs; Failures = failures;
        sorted = latenciesMs.Order().ToArray();
    }

    /// <summary>Nearest-rank percentile, q in (0, 1].</summary>
    public double Percentile(double q)
    {
        if (!(q > 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), $"q must be in (0, 1], got {q}.");
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(q * sorted.Length) - 1)];
    }

    public HtmlTable ToTable() =>
        new HtmlTable(["requests", "requests/s", "p50 ms", "p90 ms", "p99 ms", "failures"], $"Load from {Callers} concurrent callers")
            .AddRow(Requests, RequestsPerSecond, Percentile(0.5), Percentile(0.9), Percentile(0.99), Failures);

    public string ToHtml() => ToTable().ToHtml();
    public string ToPlainText() => ToTable().ToPlainText();
}
