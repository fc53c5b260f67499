using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace NotebookKit.Tuning;

/// <summary>
/// Studies in one SQLite file (Microsoft.Data.Sqlite), the embedded default for a named study; URL
/// <c>sqlite:///path.db</c>. Several processes on one machine may share the file: every write transaction is
/// <c>BEGIN IMMEDIATE</c>, so one writer at a time hands out numbers and claims waiting trials. A writer waits at most
/// <see cref="BusyTimeout"/> for another's lock, then fails with a message naming the file.
/// </summary>
public sealed class SqliteStorage : SqlStorage
{
    /// <summary>How long a write waits for another connection's lock. Every write here lasts milliseconds, so a lock
    /// held for seconds is a stuck process (or a tool holding the file open in a transaction), not contention.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    readonly string connectionString;

    public string Path { get; }
    public override string Url => "sqlite:///" + Path;

    public SqliteStorage(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("SQLite storage needs a file path.", nameof(path));
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Microsoft.Data.Sqlite retries a busy statement until its command timeout, on top of SQLite's busy_timeout:
        // both are kept short so that a locked file fails in seconds, not after a minute.
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path, DefaultTimeout = (int)BusyTimeout.TotalSeconds, Pooling = false,
        }.ToString();
        using var c = Open();
        Guard(() =>
        {
            Exec(c, null, "PRAGMA journal_mode=WAL;");
            using var t = BeginWrite(c);
            Exec(c, t, Schema("INTEGER"));
            CheckTables(c, t);
            t.Commit();
        });
    }

    protected override DbConnection Open()
    {
        var c = new SqliteConnection(connectionString);
        try
        {
            c.Open();
            Exec(c, null, $"PRAGMA busy_timeout={(int)BusyTimeout.TotalMilliseconds / 2};");
        }
        catch (SqliteException e)
        {
            c.Dispose();
            throw new InvalidOperationException($"Cannot open storage {Url}: {e.Message}", e);
        }
        return c;
    }

    protected override Exception Describe(DbException e) => e is SqliteException { SqliteErrorCode: 5 or 6 } // BUSY, LOCKED
        ? new StudyStorageException($"SQLite storage {Path} is locked: another connection held its write lock for more than "
            + $"{BusyTimeout.TotalSeconds:0} s (a stuck worker, or a tool with the file open in a transaction).", e)
        : new StudyStorageException($"SQLite storage {Path}: {e.Message.ReplaceLineEndings(" ")}", e);

    /// <summary>
    /// BEGIN IMMEDIATE: the write lock is taken at once, so no two writers ever interleave. A wait that times out while
    /// other connections kept committing is contention (many workers on a busy machine), not a stuck lock: it is
    /// waited again, up to <see cref="ContendedWaits"/> times. Only a lock held with no commit for a whole
    /// <see cref="BusyTimeout"/> fails at once.
    /// </summary>
    protected override DbTransaction BeginWrite(DbConnection c)
    {
        var sqlite = (SqliteConnection)c;
        long seen = DataVersion(sqlite);
        for (int wait = 1; ; wait++)
        {
            try { return sqlite.BeginTransaction(deferred: false); }
            catch (SqliteException e) when (e.SqliteErrorCode == 5 && wait < ContendedWaits && DataVersion(sqlite) is var now && now != seen)
            {
                seen = now;
            }
        }
    }

    /// <summary>How many busy timeouts in a row a writer waits out while others commit.</summary>
    const int ContendedWaits = 12;

    // Changes whenever another connection commits to the file.
    static long DataVersion(SqliteConnection c) => Convert.ToInt64(Scalar(c, null, "PRAGMA data_version"), System.Globalization.CultureInfo.InvariantCulture);
    protected override DbTransaction BeginRead(DbConnection c) => ((SqliteConnection)c).BeginTransaction(deferred: true);
    protected override void LockStudy(DbConnection c, DbTransaction t, int studyId) { }
    protected override string NowSql => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
}
