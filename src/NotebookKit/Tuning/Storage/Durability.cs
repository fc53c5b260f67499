using System.Globalization;

namespace NotebookKit.Tuning;

/// <summary>
/// Heartbeat and retry settings as a storage URL carries them (<c>?heartbeat_interval=60&amp;grace_period=120&amp;retries=1</c>,
/// seconds as in Optuna), and what a retry of a failed trial holds.
/// </summary>
internal sealed record Durability(TimeSpan? HeartbeatInterval, TimeSpan? GracePeriod, int? Retries)
{
    /// <summary>Optuna leaves heartbeats off by default; here they are on, so a worker that dies on another machine
    /// never leaves its trial Running for ever. The grace defaults to twice the interval, as in Optuna.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(60);

    public static readonly string[] Keys = ["heartbeat_interval", "grace_period", "retries"];

    /// <summary>Takes the durability options out of <paramref name="query"/> (name → value); the rest stay for the storage.</summary>
    public static Durability Take(Dictionary<string, string> query, string url)
    {
        TimeSpan? Seconds(string key)
        {
            if (!query.Remove(key, out var s)) return null;
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0) || double.IsInfinity(v))
                throw new ArgumentException($"Storage URL {url}: {key}={s} is not a positive number of seconds.");
            return TimeSpan.FromSeconds(v);
        }
        int? retries = null;
        if (query.Remove("retries", out var r))
            retries = int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
                : throw new ArgumentException($"Storage URL {url}: retries={r} is not a non-negative whole number.");
        return new Durability(Seconds("heartbeat_interval"), Seconds("grace_period"), retries);
    }

    /// <summary>Splits <paramref name="url"/> at '?' into the part before and its options (name → value).</summary>
    public static (string Base, Dictionary<string, string> Query) SplitQuery(string url)
    {
        int q = url.IndexOf('?');
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (q < 0) return (url, query);
        foreach (var pair in url[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            query[kv[0]] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
        }
        return (url[..q], query);
    }

    public static TimeSpan Positive(TimeSpan value, string name) => value > TimeSpan.Zero ? value
        : throw new ArgumentOutOfRangeException(name, $"{name} must be positive, not {value.TotalSeconds} s.");

    public static int NonNegative(int value) => value >= 0 ? value
        : throw new ArgumentOutOfRangeException("Retries", $"Retries must be 0 or more, not {value}.");

    /// <summary>A live worker beats once per interval, so a grace no longer than that would fail live trials.</summary>
    public static void Check(TimeSpan? interval, TimeSpan grace)
    {
        if (interval is TimeSpan i && grace <= i)
            throw new ArgumentException($"The grace period ({grace.TotalSeconds:G4} s) must be longer than the heartbeat interval "
                + $"({i.TotalSeconds:G4} s): a live worker beats only once per interval. Optuna's default is twice the interval.");
    }

    /// <summary>The parameters and system attributes of the Waiting copy that retries <paramref name="failed"/>, or null
    /// when it has used up <paramref name="retries"/>: everything it had suggested, plus fixed ones it had not reached.</summary>
    public static (Dictionary<string, object?> Fixed, Dictionary<string, object?> SystemAttrs)? RetryOf(FrozenTrial failed, int retries)
    {
        int done = failed.SystemAttrs.TryGetValue("retry", out var d) && d is not null ? Convert.ToInt32(d, CultureInfo.InvariantCulture) : 0;
        if (done >= retries) return null;
        var fixedParams = new Dictionary<string, object?>();
        if (failed.SystemAttrs.TryGetValue("fixed_params", out var f) && f is System.Collections.IDictionary old)
            foreach (System.Collections.DictionaryEntry e in old) fixedParams[(string)e.Key] = e.Value;
        foreach (var (name, value) in failed.Params) fixedParams[name] = value;
        return (fixedParams, new() { ["retried_from"] = failed.Number, ["retry"] = done + 1 });
    }
}
