using System.Security.Cryptography.X509Certificates;

namespace NotebookKit.Serving;

/// <summary>Settings of a <see cref="ModelServer"/>. Defaults suit a notebook: plain HTTP on 127.0.0.1, a free port.</summary>
public sealed class ServingOptions
{
    /// <summary>Addresses to listen on, e.g. "http://127.0.0.1:0" (0 = a free port) or "https://0.0.0.0:8443".</summary>
    public IList<string> Urls { get; set; } = ["http://127.0.0.1:0"];
    /// <summary>Certificate for https URLs. Null with an https URL uses the ASP.NET Core development certificate
    /// (create and trust it once with <c>dotnet dev-certs https --trust</c>).</summary>
    public X509Certificate2? Certificate { get; set; }
    /// <summary>When set, inference and feedback endpoints need header <see cref="ApiKeyHeader"/> with this value.</summary>
    public string? ApiKey { get; set; }
    public string ApiKeyHeader { get; set; } = "X-API-Key";
    /// <summary>Largest request body accepted; larger is 413.</summary>
    public long MaxBodyBytes { get; set; } = 1 << 20;
    /// <summary>Most rows in one request; more is 413.</summary>
    public int MaxRowsPerRequest { get; set; } = 4096;
    /// <summary>Most characters (UTF-16 code units) in one text sent to a text model; more is 400 naming the limit and
    /// the length (a body over <see cref="MaxBodyBytes"/> is 413 before any text is read).</summary>
    public int MaxTextChars { get; set; } = 5000;
    /// <summary>Most texts in one request to a text model; more is 400 naming the limit and the count.</summary>
    public int MaxTextsPerRequest { get; set; } = 256;
    /// <summary>Time a request may wait for its prediction; longer is 503.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How long the first queued request may wait for others to join its batch (0: batch only what queued up).</summary>
    public TimeSpan BatchBudget { get; set; } = TimeSpan.Zero;
    public int MaxBatchRows { get; set; } = 256;
    /// <summary>How long a graceful shutdown waits for in-flight requests.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>JSON-lines request log (null: none); <see cref="LogSampleRate"/> of requests are written.</summary>
    public string? LogPath { get; set; }
    public double LogSampleRate { get; set; } = 1.0;
    /// <summary>Also log the input rows (never headers or keys) of sampled requests, for replay.</summary>
    public bool LogInputs { get; set; }

    public int DriftWindowRows { get; set; } = 500;
    public int DriftMinRows { get; set; } = 100;
    public double PsiThreshold { get; set; } = 0.25;
    public double KsAlpha { get; set; } = 0.01;
    /// <summary>Labelled predictions kept for live accuracy/F1/AUC.</summary>
    public int QualityWindow { get; set; } = 500;
    /// <summary>Requests remembered for feedback by id.</summary>
    public int FeedbackCapacity { get; set; } = 20_000;
    /// <summary>Bytes the feedback store may hold (every stored row counts); the oldest entries go first.</summary>
    public long FeedbackBudgetBytes { get; set; } = 16 << 20;
    /// <summary>A drift report is recomputed only when new rows arrived, and then at most once per this time
    /// (0, the default: always fresh; set e.g. 1 s when many scrapers poll a busy server).</summary>
    public TimeSpan DriftCacheTime { get; set; } = TimeSpan.Zero;
    /// <summary>With an API key, /metrics and /drift need it too unless this is true (health stays open).</summary>
    public bool OpenOperations { get; set; }
    /// <summary>Error lines written to the request log per second at most (the rest are counted, not written).</summary>
    public int MaxErrorLogsPerSecond { get; set; } = 20;
    /// <summary>Most simultaneous connections (Kestrel MaxConcurrentConnections).</summary>
    public int MaxConnections { get; set; } = 1024;
    /// <summary>With an API key, a plain http:// listener beside an https:// one is refused (the key would travel
    /// in clear text) unless this is true.</summary>
    public bool AllowPlainHttpWithKey { get; set; }

    /// <summary>Largest accepted MaxBodyBytes (Kestrel drains up to 16 times the limit to answer 413 cleanly).</summary>
    public const long MaxBodyLimit = 64L << 20;

    /// <summary>Throws an ArgumentException naming the first bad setting.</summary>
    public void Validate()
    {
        if (Urls.Count == 0) throw new ArgumentException("Give at least one URL to listen on.", nameof(Urls));
        if (MaxBodyBytes < 64 || MaxBodyBytes > MaxBodyLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxBodyBytes), $"MaxBodyBytes must be between 64 and {MaxBodyLimit}, got {MaxBodyBytes}.");
        if (FeedbackBudgetBytes < 0) throw new ArgumentOutOfRangeException(nameof(FeedbackBudgetBytes));
        if (MaxConnections < 1) throw new ArgumentOutOfRangeException(nameof(MaxConnections), "MaxConnections must be at least 1.");
        if (MaxErrorLogsPerSecond < 0) throw new ArgumentOutOfRangeException(nameof(MaxErrorLogsPerSecond));
        var parsed = Urls.Select(ModelServer.ParseUrl).ToArray();
        if (ApiKey is not null && !AllowPlainHttpWithKey && parsed.Any(u => u.Https) && parsed.Any(u => !u.Https))
            throw new ArgumentException("An API key with both http:// and https:// listeners would send the key in clear text; drop the http:// URL.", nameof(Urls));
        if (MaxRowsPerRequest < 1) throw new ArgumentOutOfRangeException(nameof(MaxRowsPerRequest));
        if (MaxTextChars < 1) throw new ArgumentOutOfRangeException(nameof(MaxTextChars), $"MaxTextChars must be at least 1, got {MaxTextChars}.");
        if (MaxTextsPerRequest < 1) throw new ArgumentOutOfRangeException(nameof(MaxTextsPerRequest), $"MaxTextsPerRequest must be at least 1, got {MaxTextsPerRequest}.");
        if (LogSampleRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(LogSampleRate), "LogSampleRate must be in [0, 1].");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RequestTimeout));
        if (ApiKey is { Length: 0 }) throw new ArgumentException("ApiKey is empty; use null to turn authentication off.", nameof(ApiKey));
        if (DriftWindowRows < 2) throw new ArgumentOutOfRangeException(nameof(DriftWindowRows), "The drift window needs at least 2 rows.");
        if (DriftMinRows < 1 || DriftMinRows > DriftWindowRows)
            throw new ArgumentOutOfRangeException(nameof(DriftMinRows), $"DriftMinRows must be between 1 and the window ({DriftWindowRows}), got {DriftMinRows}.");
        if (!(PsiThreshold > 0) || !double.IsFinite(PsiThreshold)) throw new ArgumentOutOfRangeException(nameof(PsiThreshold), "PsiThreshold must be positive.");
        if (!(KsAlpha > 0 && KsAlpha < 1)) throw new ArgumentOutOfRangeException(nameof(KsAlpha), "KsAlpha must be in (0, 1).");
    }
}
