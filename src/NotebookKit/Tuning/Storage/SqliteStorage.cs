using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace NotebookKit.Tuning;

/// <summary>
/// Studies in one SQLite file (Microsoft.Data.Sqlite), the embedded default for a named study; URL
/// <c>sqlite:///path.db</c>. Several processes on one machine may share the file: every write transaction is
/// <c>BEGIN IMMEDIATE</c>, so one writer at a time hands out numbers and claims waiting trials.
/// </summary>
public sealed class SqliteStorage : SqlStorage
{
    readonly string connectionString;

    public string Path { get; }
    public override string Url => "sqlite:///" + Path;

    public SqliteStorage(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("SQLite storage needs a file path.", nameof(path));
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path, DefaultTimeout = 60, Pooling = false }.ToString();
        using var c = Open();
        Exec(c, null, "PRAGMA journal_mode=WAL;" + Schema("INTEGER"));
    }

    protected override DbConnection Open()
    {
        var c = new SqliteConnection(connectionString);
        try
        {
            c.Open();
            Exec(c, null, "PRAGMA busy_timeout=60000;");
        }
        catch (SqliteException e)
        {
            c.Dispose();
            throw new InvalidOperationException($"Cannot open storage {Url}: {e.Message}", e);
        }
        return c;
    }

    // BEGIN IMMEDIATE: the write lock is taken at once, so no two writers ever interleave.
    protected override DbTransaction BeginWrite(DbConnection c) => ((SqliteConnection)c).BeginTransaction(deferred: false);
    protected override DbTransaction BeginRead(DbConnection c) => ((SqliteConnection)c).BeginTransaction(deferred: true);
    protected override void LockStudy(DbConnection c, DbTransaction t, int studyId) { }
}
