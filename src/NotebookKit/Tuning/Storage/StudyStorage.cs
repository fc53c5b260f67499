namespace NotebookKit.Tuning;

/// <summary>Opens a study storage from a URL, as Optuna spells them.</summary>
public static class StudyStorage
{
    /// <summary>
    /// <c>memory</c> (this process only), <c>sqlite:///path.db</c> (relative path; <c>sqlite:////abs/path.db</c> for
    /// an absolute one) or <c>postgresql://user[:password]@host[:port]/database[?schema=name]</c>. Any of them takes
    /// the options <c>heartbeat_interval</c> and <c>grace_period</c> (seconds, as Optuna's RDBStorage arguments; the
    /// grace defaults to twice the interval) and <c>retries</c> (how often a failed trial is enqueued again), e.g.
    /// <c>sqlite:///x.db?heartbeat_interval=1&amp;grace_period=5&amp;retries=1</c>.
    /// </summary>
    public static IStudyStorage Open(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.StartsWith("postgresql://", StringComparison.Ordinal) || url.StartsWith("postgres://", StringComparison.Ordinal))
            return new PostgresStorage(url);
        var (path, query) = Durability.SplitQuery(url);
        var durability = Durability.Take(query, url);
        if (query.Count > 0)
            throw new ArgumentException($"Storage URL {url}: unknown option '{query.Keys.First()}' (understood: {string.Join(", ", Durability.Keys)}).", nameof(url));
        if (path == "memory")
        {
            if (durability.HeartbeatInterval is not null || durability.GracePeriod is not null)
                throw new ArgumentException($"Storage URL {url}: a study in memory belongs to this process and needs no heartbeat.", nameof(url));
            return new InMemoryStorage { Retries = durability.Retries ?? 0 };
        }
        if (path.StartsWith("sqlite:///", StringComparison.Ordinal))
        {
            var sqlite = new SqliteStorage(path["sqlite:///".Length..]);
            sqlite.Configure(durability);
            return sqlite;
        }
        throw new ArgumentException($"Unknown storage URL '{PostgresStorage.Redact(url)}': expected memory, sqlite:///path.db or postgresql://user@host:port/database.", nameof(url));
    }
}
