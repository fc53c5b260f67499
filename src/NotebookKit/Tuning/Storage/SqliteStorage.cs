using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace NotebookKit.Tuning;

/// <summary>
/// Studies in one SQLite file (Microsoft.Data.Sqlite), the embedded default for a named study. Safe for several
/// processes at once: trial numbers are assigned and waiting trials claimed inside <c>BEGIN IMMEDIATE</c>
/// transactions under a unique (study, number) index, so no trial is lost or duplicated. Each running trial
/// records its owner (host, process id, process start time); <see cref="FailStaleTrials"/> marks a running trial
/// Failed once its owner process is gone (same host) or its heartbeat is older than <see cref="StaleAfter"/>.
/// </summary>
public sealed class SqliteStorage : IStudyStorage
{
    readonly string connectionString;
    readonly object gate = new();
    static readonly string Owner = MakeOwner();

    /// <summary>Running trials of other hosts with no heartbeat for this long are taken as dead.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);
    public string Path { get; }

    public SqliteStorage(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("SQLite storage needs a file path.", nameof(path));
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path, DefaultTimeout = 60, Pooling = false }.ToString();
        using var c = Open();
        Exec(c, null, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS studies(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS trials(id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL, number INTEGER NOT NULL,
              state TEXT NOT NULL, value REAL, error TEXT, start TEXT, complete TEXT, owner TEXT, heartbeat TEXT,
              UNIQUE(study_id, number));
            CREATE TABLE IF NOT EXISTS params(trial_id INTEGER NOT NULL, name TEXT NOT NULL, distribution TEXT NOT NULL,
              value REAL NOT NULL, PRIMARY KEY(trial_id, name));
            CREATE TABLE IF NOT EXISTS intermediate(trial_id INTEGER NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL,
              PRIMARY KEY(trial_id, step));
            CREATE TABLE IF NOT EXISTS attrs(trial_id INTEGER NOT NULL, system INTEGER NOT NULL, key TEXT NOT NULL,
              value TEXT, PRIMARY KEY(trial_id, system, key));
            """);
    }

    static string MakeOwner()
    {
        using var me = Process.GetCurrentProcess();
        return $"{Environment.MachineName}|{me.Id}|{me.StartTime.ToUniversalTime().Ticks}";
    }

    SqliteConnection Open()
    {
        var c = new SqliteConnection(connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=60000;";
        cmd.ExecuteNonQuery();
        return c;
    }

    static int Exec(SqliteConnection c, SqliteTransaction? t, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, t, sql, args);
        return cmd.ExecuteNonQuery();
    }

    static object? Scalar(SqliteConnection c, SqliteTransaction? t, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, t, sql, args);
        var r = cmd.ExecuteScalar();
        return r is DBNull ? null : r;
    }

    static SqliteCommand Command(SqliteConnection c, SqliteTransaction? t, string sql, (string, object?)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = t;
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    public int CreateStudy(string name, StudyDirection direction, bool loadIfExists)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A stored study needs a name.", nameof(name));
        lock (gate)
        {
            using var c = Open();
            using var t = c.BeginTransaction(deferred: false);
            var row = Scalar(c, t, "SELECT id || '|' || direction FROM studies WHERE name=$n", ("$n", name)) as string;
            if (row is not null)
            {
                var parts = row.Split('|');
                if (!loadIfExists) throw new InvalidOperationException($"Study '{name}' already exists in {Path}; pass loadIfExists: true to resume it.");
                if (parts[1] != direction.ToString())
                    throw new ArgumentException($"Study '{name}' exists with direction {parts[1]}, not {direction}.");
                return int.Parse(parts[0], CultureInfo.InvariantCulture);
            }
            Exec(c, t, "INSERT INTO studies(name, direction) VALUES($n, $d)", ("$n", name), ("$d", direction.ToString()));
            int id = Convert.ToInt32(Scalar(c, t, "SELECT last_insert_rowid()"), CultureInfo.InvariantCulture);
            t.Commit();
            return id;
        }
    }

    public (int Id, StudyDirection Direction)? FindStudy(string name)
    {
        using var c = Open();
        var row = Scalar(c, null, "SELECT id || '|' || direction FROM studies WHERE name=$n", ("$n", name)) as string;
        if (row is null) return null;
        var parts = row.Split('|');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), Enum.Parse<StudyDirection>(parts[1]));
    }

    public FrozenTrial StartTrial(int studyId)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = c.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: one writer hands out numbers at a time
            var waiting = Scalar(c, t, "SELECT number FROM trials WHERE study_id=$s AND state='Waiting' ORDER BY number LIMIT 1", ("$s", studyId));
            int number;
            if (waiting is not null)
            {
                number = Convert.ToInt32(waiting, CultureInfo.InvariantCulture);
                Exec(c, t, "UPDATE trials SET state='Running', start=$t, owner=$o, heartbeat=$t WHERE study_id=$s AND number=$n",
                    ("$t", Now()), ("$o", Owner), ("$s", studyId), ("$n", number));
            }
            else
            {
                number = Convert.ToInt32(Scalar(c, t, "SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id=$s", ("$s", studyId)), CultureInfo.InvariantCulture);
                Exec(c, t, "INSERT INTO trials(study_id, number, state, start, owner, heartbeat) VALUES($s, $n, 'Running', $t, $o, $t)",
                    ("$s", studyId), ("$n", number), ("$t", Now()), ("$o", Owner));
            }
            t.Commit();
            return ReadTrials(c, studyId, number).Single();
        }
    }

    public int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = c.BeginTransaction(deferred: false);
            int number = Convert.ToInt32(Scalar(c, t, "SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id=$s", ("$s", studyId)), CultureInfo.InvariantCulture);
            Exec(c, t, "INSERT INTO trials(study_id, number, state) VALUES($s, $n, 'Waiting')", ("$s", studyId), ("$n", number));
            long id = TrialId(c, t, studyId, number);
            Exec(c, t, "INSERT INTO attrs(trial_id, system, key, value) VALUES($i, 1, 'fixed_params', $v)",
                ("$i", id), ("$v", JsonSerializer.Serialize(fixedParams)));
            t.Commit();
            return number;
        }
    }

    static long TrialId(SqliteConnection c, SqliteTransaction? t, int studyId, int number) =>
        (long)(Scalar(c, t, "SELECT id FROM trials WHERE study_id=$s AND number=$n", ("$s", studyId), ("$n", number))
            ?? throw new ArgumentException($"Trial {number} does not exist."));

    // Every write to a trial checks it is still Running (and refreshes its heartbeat) in the same transaction.
    void WriteRunning(int studyId, int number, Action<SqliteConnection, SqliteTransaction, long> write)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = c.BeginTransaction(deferred: false);
            long id = TrialId(c, t, studyId, number);
            var state = (string?)Scalar(c, t, "SELECT state FROM trials WHERE id=$i", ("$i", id));
            if (state != "Running") throw new InvalidOperationException($"Trial {number} is {state}, not Running; it cannot be changed.");
            write(c, t, id);
            Exec(c, t, "UPDATE trials SET heartbeat=$h WHERE id=$i", ("$h", Now()), ("$i", id));
            t.Commit();
        }
    }

    public void SetParam(int studyId, int number, string name, Distribution distribution, double internalValue) =>
        WriteRunning(studyId, number, (c, t, id) => Exec(c, t,
            "INSERT OR REPLACE INTO params(trial_id, name, distribution, value) VALUES($i, $n, $d, $v)",
            ("$i", id), ("$n", name), ("$d", distribution.ToJson()), ("$v", internalValue)));

    public void SetIntermediate(int studyId, int number, int step, double value) =>
        WriteRunning(studyId, number, (c, t, id) => Exec(c, t,
            "INSERT OR REPLACE INTO intermediate(trial_id, step, value) VALUES($i, $s, $v)", ("$i", id), ("$s", step), ("$v", value)));

    public void SetAttr(int studyId, int number, string key, object? value, bool system)
    {
        lock (gate)
        {
            using var c = Open();
            long id = TrialId(c, null, studyId, number);
            Exec(c, null, "INSERT OR REPLACE INTO attrs(trial_id, system, key, value) VALUES($i, $y, $k, $v)",
                ("$i", id), ("$y", system ? 1 : 0), ("$k", key), ("$v", JsonSerializer.Serialize(value)));
        }
    }

    public void FinishTrial(int studyId, int number, TrialState state, double? value, string? error) =>
        WriteRunning(studyId, number, (c, t, id) => Exec(c, t,
            "UPDATE trials SET state=$st, value=$v, error=$e, complete=$t WHERE id=$i",
            ("$st", state.ToString()), ("$v", value is double v && double.IsFinite(v) ? v : null), ("$e", error), ("$t", Now()), ("$i", id)));

    public IReadOnlyList<FrozenTrial> GetTrials(int studyId)
    {
        using var c = Open();
        using var t = c.BeginTransaction(deferred: true); // one consistent snapshot across the four tables
        return ReadTrials(c, studyId, null, t);
    }

    static List<FrozenTrial> ReadTrials(SqliteConnection c, int studyId, int? only, SqliteTransaction? t = null)
    {
        var byId = new Dictionary<long, FrozenTrial>();
        string filter = only is null ? "" : " AND number=$n";
        var args = new List<(string, object?)> { ("$s", studyId) };
        if (only is int n) args.Add(("$n", n));
        using (var cmd = Command(c, t, "SELECT id, number, state, value, error, start, complete FROM trials WHERE study_id=$s" + filter + " ORDER BY number", args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                byId[r.GetInt64(0)] = new FrozenTrial
                {
                    Number = r.GetInt32(1),
                    State = Enum.Parse<TrialState>(r.GetString(2)),
                    Value = r.IsDBNull(3) ? null : r.GetDouble(3),
                    Error = r.IsDBNull(4) ? null : r.GetString(4),
                    Start = r.IsDBNull(5) ? null : DateTime.Parse(r.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    Complete = r.IsDBNull(6) ? null : DateTime.Parse(r.GetString(6), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                };
        string join = " JOIN trials ON trials.id = x.trial_id WHERE trials.study_id=$s" + filter.Replace("number", "trials.number");
        var cache = new Dictionary<string, Distribution>();
        using (var cmd = Command(c, t, "SELECT x.trial_id, x.name, x.distribution, x.value FROM params x" + join, args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                var trial = byId[r.GetInt64(0)];
                string json = r.GetString(2);
                if (!cache.TryGetValue(json, out var d)) cache[json] = d = Distribution.FromJson(json);
                trial.Distributions[r.GetString(1)] = d;
                trial.InternalParams[r.GetString(1)] = r.GetDouble(3);
            }
        using (var cmd = Command(c, t, "SELECT x.trial_id, x.step, x.value FROM intermediate x" + join, args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) byId[r.GetInt64(0)].IntermediateValues[r.GetInt32(1)] = r.GetDouble(2);
        using (var cmd = Command(c, t, "SELECT x.trial_id, x.system, x.key, x.value FROM attrs x" + join, args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                var trial = byId[r.GetInt64(0)];
                (r.GetInt32(1) == 1 ? trial.SystemAttrs : trial.UserAttrs)[r.GetString(2)] = FromJson(r.IsDBNull(3) ? "null" : r.GetString(3));
            }
        return byId.Values.OrderBy(x => x.Number).ToList();
    }

    /// <summary>JSON back to plain values: string, double, bool, null, or a string-keyed dictionary / list of those.</summary>
    internal static object? FromJson(string json) => Plain(JsonDocument.Parse(json).RootElement);

    static object? Plain(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt32(out int i) ? i : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(Plain).ToList(),
        _ => null,
    };

    public IReadOnlyList<int> FailStaleTrials(int studyId)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = c.BeginTransaction(deferred: false);
            var stale = new List<int>();
            using (var cmd = Command(c, t, "SELECT number, owner, heartbeat FROM trials WHERE study_id=$s AND state='Running'", [("$s", studyId)]))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    string owner = r.IsDBNull(1) ? "" : r.GetString(1);
                    DateTime beat = r.IsDBNull(2) ? DateTime.MinValue : DateTime.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                    if (IsDead(owner, beat)) stale.Add(r.GetInt32(0));
                }
            foreach (int number in stale)
                Exec(c, t, "UPDATE trials SET state='Failed', complete=$t, error=$e WHERE study_id=$s AND number=$n",
                    ("$t", Now()), ("$e", "Worker process ended while the trial was running (marked failed on resume)."), ("$s", studyId), ("$n", number));
            t.Commit();
            return stale;
        }
    }

    bool IsDead(string owner, DateTime heartbeat)
    {
        var parts = owner.Split('|');
        if (parts.Length != 3) return true;
        if (parts[0] != Environment.MachineName) return DateTime.UtcNow - heartbeat > StaleAfter;
        if (owner == Owner) return false;
        try
        {
            using var p = Process.GetProcessById(int.Parse(parts[1], CultureInfo.InvariantCulture));
            // Same pid but another start time means the pid was reused. Linux start times jitter by milliseconds
            // between readers (boot time is derived from the uptime), hence the tolerance.
            long started = long.Parse(parts[2], CultureInfo.InvariantCulture);
            return p.HasExited || Math.Abs(p.StartTime.ToUniversalTime().Ticks - started) > TimeSpan.TicksPerSecond * 2;
        }
        catch (ArgumentException) { return true; } // no such process
        catch (InvalidOperationException) { return true; }
    }
}
