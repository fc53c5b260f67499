using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace NotebookKit.Tuning;

/// <summary>
/// Studies in a SQL database through ADO.NET: the one implementation behind <see cref="SqliteStorage"/> and
/// <see cref="PostgresStorage"/>, which differ only in how they connect, create the tables, lock and claim. Safe for
/// several processes at once: new trial numbers are handed out under a per-study write lock and a unique
/// (study, number) index, a waiting trial is claimed by exactly one worker, and every write to a trial checks, in
/// the same transaction, that it is still Running. Each running trial records its owner (host, process id, process
/// start time); <see cref="FailStaleTrials"/> marks a running trial Failed once its owner process is gone (same
/// host) or its heartbeat is older than <see cref="StaleAfter"/>.
/// </summary>
public abstract class SqlStorage : IStudyStorage
{
    readonly object gate = new();
    static readonly string Owner = MakeOwner();

    /// <summary>Running trials of other hosts with no heartbeat for this long are taken as dead.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Where the studies are, as a storage URL without any password (for messages).</summary>
    public abstract string Url { get; }

    /// <summary>An open connection; failures name <see cref="Url"/>.</summary>
    protected abstract DbConnection Open();
    /// <summary>A transaction that may write; with SQLite it takes the file's write lock at once.</summary>
    protected abstract DbTransaction BeginWrite(DbConnection c);
    /// <summary>A transaction that sees one consistent snapshot of all tables.</summary>
    protected abstract DbTransaction BeginRead(DbConnection c);
    /// <summary>Serialises the study's number assignment until the transaction ends (a no-op where
    /// <see cref="BeginWrite"/> already excludes other writers).</summary>
    protected abstract void LockStudy(DbConnection c, DbTransaction t, int studyId);
    /// <summary>Appended to a SELECT of trial rows about to be changed: row locks where the database has them.</summary>
    protected virtual string ForUpdate => "";
    /// <summary>Appended to a SELECT of rows to claim: rows another worker is claiming are passed over.</summary>
    protected virtual string ForUpdateSkipLocked => "";

    /// <summary>The tables, portable across SQLite and PostgreSQL; <paramref name="id"/> is the auto-increment key type.</summary>
    protected static string Schema(string id) => $"""
        CREATE TABLE IF NOT EXISTS studies(id {id} PRIMARY KEY, name TEXT NOT NULL UNIQUE, direction TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS trials(id {id} PRIMARY KEY, study_id INTEGER NOT NULL, number INTEGER NOT NULL,
          state TEXT NOT NULL, value DOUBLE PRECISION, error TEXT, start TEXT, complete TEXT, owner TEXT, heartbeat TEXT,
          UNIQUE(study_id, number));
        CREATE TABLE IF NOT EXISTS params(trial_id BIGINT NOT NULL, name TEXT NOT NULL, distribution TEXT NOT NULL,
          value DOUBLE PRECISION NOT NULL, PRIMARY KEY(trial_id, name));
        CREATE TABLE IF NOT EXISTS intermediate(trial_id BIGINT NOT NULL, step INTEGER NOT NULL,
          value DOUBLE PRECISION NOT NULL, PRIMARY KEY(trial_id, step));
        CREATE TABLE IF NOT EXISTS attrs(trial_id BIGINT NOT NULL, system INTEGER NOT NULL, key TEXT NOT NULL,
          value TEXT, PRIMARY KEY(trial_id, system, key));
        """;

    static string MakeOwner()
    {
        using var me = Process.GetCurrentProcess();
        return $"{Environment.MachineName}|{me.Id}|{me.StartTime.ToUniversalTime().Ticks}";
    }

    protected static int Exec(DbConnection c, DbTransaction? t, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, t, sql, args);
        return cmd.ExecuteNonQuery();
    }

    protected static object? Scalar(DbConnection c, DbTransaction? t, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(c, t, sql, args);
        var r = cmd.ExecuteScalar();
        return r is DBNull ? null : r;
    }

    static DbCommand Command(DbConnection c, DbTransaction? t, string sql, (string, object?)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = t;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
    static int Int(object? x) => Convert.ToInt32(x, CultureInfo.InvariantCulture);
    static long Long(object? x) => Convert.ToInt64(x, CultureInfo.InvariantCulture);

    static (int Id, StudyDirection Direction)? ReadStudy(DbConnection c, DbTransaction? t, string name)
    {
        using var cmd = Command(c, t, "SELECT id, direction FROM studies WHERE name=@n", [("@n", name)]);
        using var r = cmd.ExecuteReader();
        return r.Read() ? (Int(r.GetValue(0)), Enum.Parse<StudyDirection>(r.GetString(1))) : null;
    }

    public int CreateStudy(string name, StudyDirection direction, bool loadIfExists)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A stored study needs a name.", nameof(name));
        lock (gate)
        {
            using var c = Open();
            using var t = BeginWrite(c);
            LockStudy(c, t, 0); // study 0 never exists: this lock serialises creating studies
            if (ReadStudy(c, t, name) is var (id, stored))
            {
                if (!loadIfExists) throw new InvalidOperationException($"Study '{name}' already exists in {Url}; pass loadIfExists: true to resume it.");
                if (stored != direction) throw new ArgumentException($"Study '{name}' exists with direction {stored}, not {direction}.");
                return id;
            }
            int created = Int(Scalar(c, t, "INSERT INTO studies(name, direction) VALUES(@n, @d) RETURNING id",
                ("@n", name), ("@d", direction.ToString())));
            t.Commit();
            return created;
        }
    }

    public (int Id, StudyDirection Direction)? FindStudy(string name)
    {
        using var c = Open();
        return ReadStudy(c, null, name);
    }

    public IReadOnlyList<(int Id, string Name, StudyDirection Direction)> GetStudies()
    {
        using var c = Open();
        using var cmd = Command(c, null, "SELECT id, name, direction FROM studies", []);
        using var r = cmd.ExecuteReader();
        var studies = new List<(int, string, StudyDirection)>();
        while (r.Read()) studies.Add((Int(r.GetValue(0)), r.GetString(1), Enum.Parse<StudyDirection>(r.GetString(2))));
        return studies.OrderBy(s => s.Item2, StringComparer.Ordinal).ToArray();
    }

    public FrozenTrial StartTrial(int studyId)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = BeginWrite(c);
            var waiting = Scalar(c, t, "SELECT number FROM trials WHERE study_id=@s AND state='Waiting' ORDER BY number LIMIT 1"
                + ForUpdateSkipLocked, ("@s", studyId));
            int number;
            if (waiting is not null)
            {
                number = Int(waiting);
                Exec(c, t, "UPDATE trials SET state='Running', start=@t, owner=@o, heartbeat=@t WHERE study_id=@s AND number=@n",
                    ("@t", Now()), ("@o", Owner), ("@s", studyId), ("@n", number));
            }
            else
            {
                number = NextNumber(c, t, studyId);
                Exec(c, t, "INSERT INTO trials(study_id, number, state, start, owner, heartbeat) VALUES(@s, @n, 'Running', @t, @o, @t)",
                    ("@s", studyId), ("@n", number), ("@t", Now()), ("@o", Owner));
            }
            t.Commit();
            return ReadTrials(c, studyId, number).Single();
        }
    }

    int NextNumber(DbConnection c, DbTransaction t, int studyId)
    {
        LockStudy(c, t, studyId);
        return Int(Scalar(c, t, "SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id=@s", ("@s", studyId)));
    }

    public int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = BeginWrite(c);
            int number = NextNumber(c, t, studyId);
            long id = Long(Scalar(c, t, "INSERT INTO trials(study_id, number, state) VALUES(@s, @n, 'Waiting') RETURNING id",
                ("@s", studyId), ("@n", number)));
            Exec(c, t, "INSERT INTO attrs(trial_id, system, key, value) VALUES(@i, 1, 'fixed_params', @j)",
                ("@i", id), ("@j", JsonSerializer.Serialize(fixedParams)));
            t.Commit();
            return number;
        }
    }

    static long TrialId(DbConnection c, DbTransaction? t, int studyId, int number) =>
        Long(Scalar(c, t, "SELECT id FROM trials WHERE study_id=@s AND number=@n", ("@s", studyId), ("@n", number))
            ?? throw new ArgumentException($"Trial {number} does not exist."));

    // Every write to a trial checks it is still Running (and refreshes its heartbeat) in the same transaction,
    // holding the trial's row so that no other worker can fail it in between.
    void WriteRunning(int studyId, int number, Action<DbConnection, DbTransaction, long> write)
    {
        lock (gate)
        {
            using var c = Open();
            using var t = BeginWrite(c);
            long id; string? state;
            using (var cmd = Command(c, t, "SELECT id, state FROM trials WHERE study_id=@s AND number=@n" + ForUpdate,
                [("@s", studyId), ("@n", number)]))
            using (var r = cmd.ExecuteReader())
            {
                if (!r.Read()) throw new ArgumentException($"Trial {number} does not exist.");
                (id, state) = (Long(r.GetValue(0)), r.GetString(1));
            }
            if (state != "Running") throw new InvalidOperationException($"Trial {number} is {state}, not Running; it cannot be changed.");
            write(c, t, id);
            Exec(c, t, "UPDATE trials SET heartbeat=@h WHERE id=@i", ("@h", Now()), ("@i", id));
            t.Commit();
        }
    }

    public void SetParam(int studyId, int number, string name, Distribution distribution, double internalValue) =>
        WriteRunning(studyId, number, (c, t, id) => Exec(c, t,
            "INSERT INTO params(trial_id, name, distribution, value) VALUES(@i, @n, @d, @v) " +
            "ON CONFLICT(trial_id, name) DO UPDATE SET distribution=excluded.distribution, value=excluded.value",
            ("@i", id), ("@n", name), ("@d", distribution.ToJson()), ("@v", internalValue)));

    public void SetIntermediate(int studyId, int number, int step, double value) =>
        WriteRunning(studyId, number, (c, t, id) => Exec(c, t,
            "INSERT INTO intermediate(trial_id, step, value) VALUES(@i, @s, @v) " +
            "ON CONFLICT(trial_id, step) DO UPDATE SET value=excluded.value", ("@i", id), ("@s", step), ("@v", value)));

    public void SetAttr(int studyId, int number, string key, object? value, bool system)
    {
        lock (gate)
        {
            using var c = Open();
            long id = TrialId(c, null, studyId, number);
            Exec(c, null, "INSERT INTO attrs(trial_id, system, key, value) VALUES(@i, @y, @k, @j) " +
                "ON CONFLICT(trial_id, system, key) DO UPDATE SET value=excluded.value",
                ("@i", id), ("@y", system ? 1 : 0), ("@k", key), ("@j", JsonSerializer.Serialize(value)));
        }
    }

    public void FinishTrial(int studyId, int number, TrialState state, double? value, string? error) =>
        WriteRunning(studyId, number, (c, t, id) => Exec(c, t,
            "UPDATE trials SET state=@st, value=@v, error=@e, complete=@t WHERE id=@i",
            ("@st", state.ToString()), ("@v", value is double v && double.IsFinite(v) ? v : null), ("@e", error), ("@t", Now()), ("@i", id)));

    public IReadOnlyList<FrozenTrial> GetTrials(int studyId)
    {
        using var c = Open();
        using var t = BeginRead(c); // one consistent snapshot across the four tables
        return ReadTrials(c, studyId, null, t);
    }

    static List<FrozenTrial> ReadTrials(DbConnection c, int studyId, int? only, DbTransaction? t = null)
    {
        var byId = new Dictionary<long, FrozenTrial>();
        string filter = only is null ? "" : " AND number=@n";
        var args = new List<(string, object?)> { ("@s", studyId) };
        if (only is int n) args.Add(("@n", n));
        using (var cmd = Command(c, t, "SELECT id, number, state, value, error, start, complete FROM trials WHERE study_id=@s" + filter + " ORDER BY number", args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
                byId[Long(r.GetValue(0))] = new FrozenTrial
                {
                    Number = Int(r.GetValue(1)),
                    State = Enum.Parse<TrialState>(r.GetString(2)),
                    Value = r.IsDBNull(3) ? null : r.GetDouble(3),
                    Error = r.IsDBNull(4) ? null : r.GetString(4),
                    Start = r.IsDBNull(5) ? null : ParseTime(r.GetString(5)),
                    Complete = r.IsDBNull(6) ? null : ParseTime(r.GetString(6)),
                };
        string join = " JOIN trials ON trials.id = x.trial_id WHERE trials.study_id=@s" + filter.Replace("number", "trials.number");
        var cache = new Dictionary<string, Distribution>();
        using (var cmd = Command(c, t, "SELECT x.trial_id, x.name, x.distribution, x.value FROM params x" + join, args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                var trial = byId[Long(r.GetValue(0))];
                string json = r.GetString(2);
                if (!cache.TryGetValue(json, out var d)) cache[json] = d = Distribution.FromJson(json);
                trial.Distributions[r.GetString(1)] = d;
                trial.InternalParams[r.GetString(1)] = r.GetDouble(3);
            }
        using (var cmd = Command(c, t, "SELECT x.trial_id, x.step, x.value FROM intermediate x" + join, args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) byId[Long(r.GetValue(0))].IntermediateValues[Int(r.GetValue(1))] = r.GetDouble(2);
        using (var cmd = Command(c, t, "SELECT x.trial_id, x.system, x.key, x.value FROM attrs x" + join, args.ToArray()))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                var trial = byId[Long(r.GetValue(0))];
                (Int(r.GetValue(1)) == 1 ? trial.SystemAttrs : trial.UserAttrs)[r.GetString(2)] = FromJson(r.IsDBNull(3) ? "null" : r.GetString(3));
            }
        return byId.Values.OrderBy(x => x.Number).ToList();
    }

    static DateTime ParseTime(string s) => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

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
            using var t = BeginWrite(c);
            var stale = new List<int>();
            // A trial locked by another transaction is being written by its live worker (or failed by another): skip it.
            using (var cmd = Command(c, t, "SELECT number, owner, heartbeat FROM trials WHERE study_id=@s AND state='Running'"
                + ForUpdateSkipLocked, [("@s", studyId)]))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    string owner = r.IsDBNull(1) ? "" : r.GetString(1);
                    DateTime beat = r.IsDBNull(2) ? DateTime.MinValue : ParseTime(r.GetString(2));
                    if (IsDead(owner, beat)) stale.Add(Int(r.GetValue(0)));
                }
            foreach (int number in stale)
                Exec(c, t, "UPDATE trials SET state='Failed', complete=@t, error=@e WHERE study_id=@s AND number=@n",
                    ("@t", Now()), ("@e", "Worker process ended while the trial was running (marked failed on resume)."), ("@s", studyId), ("@n", number));
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
