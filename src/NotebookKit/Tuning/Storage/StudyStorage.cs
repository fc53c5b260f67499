namespace NotebookKit.Tuning;

/// <summary>Opens a study storage from a URL, as Optuna spells them.</summary>
public static class StudyStorage
{
    /// <summary>
    /// <c>memory</c> (this process only), <c>sqlite:///path.db</c> (relative path; <c>sqlite:////abs/path.db</c> for
    /// an absolute one) or <c>postgresql://user[:password]@host[:port]/database[?schema=name]</c>.
    /// </summary>
    public static IStudyStorage Open(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url == "memory") return new InMemoryStorage();
        if (url.StartsWith("sqlite:///", StringComparison.Ordinal))
            return new SqliteStorage(url["sqlite:///".Length..]);
        if (url.StartsWith("postgresql://", StringComparison.Ordinal) || url.StartsWith("postgres://", StringComparison.Ordinal))
            return new PostgresStorage(url);
        throw new ArgumentException($"Unknown storage URL '{PostgresStorage.Redact(url)}': expected memory, sqlite:///path.db or postgresql://user@host:port/database.", nameof(url));
    }
}
