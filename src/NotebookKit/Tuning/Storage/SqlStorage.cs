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
/// the same transaction, that it is still Running.
/// <para>Each running trial records its owner (host, machine key, process id and start time, and the grace period
/// its worker promised) and a heartbeat, written on the database's clock (so clock skew between hosts does not
/// matter) by a background thread every <see cref="HeartbeatInterval"/>. <see cref="FailStaleTrials"/> fails a
/// running trial once its heartbeat is older than its owner's grace period, or at once when its owner process is
/// gone from this very machine (same host name, boot and process namespace: a host name alone is not trusted, since
/// containers and cloned machines share them).</para>
/// </summary>
public abstract class SqlStorage : IStudyStorage
{
    readonly object gate = new();
    TimeSpan? heartbeatInterval = Durability.DefaultHeartbeatInterval;
    TimeSpan? gracePeriod;
    int retries;

    /// <summary>How often a running trial's heartbeat is written (Optuna's heartbeat_interval; default 60 s, null: off,
    /// and then trials of other machines are never failed for silence). URL option <c>heartbeat_interval</c> (seconds).</summary>
    public TimeSpan? HeartbeatInterval
    {
        get => heartbeatInterval;
        init => heartbeatInterval = value is TimeSpan v ? Durability.Positive(v, nameof(HeartbeatInterval)) : null;
    }

    /// <summary>How long a trial's heartbeat may be silent before another worker fails it (Optuna's grace_period; default
    /// twice the interval). Stored with each trial, so every worker judges a trial by its own worker's promise. URL
    /// option <c>grace_period</c> (seconds).</summary>
    public TimeSpan GracePeriod
    {
        get => gracePeriod ?? (heartbeatInterval is TimeSpan i ? 2 * i : Timeout.InfiniteTimeSpan);
        init => gracePeriod = Durability.Positive(value, nameof(GracePeriod));
    }

    /// <summary>How many times a failed trial's parameters are enqueued again (default 0). URL option <c>retries</c>.</summary>
    public int Retries { get => retries; init => retries = Durability.NonNegative(value); }

    /// <summary>Where the studies are, as a storage URL without any password (for messages).</summary>
    public abstract string Url { get; }

    /// <summary>Takes the settings of a storage URL's options (see <see cref="StudyStorage.Open"/>).</summary>
    internal void Configure(Durability d)
    {
        if (d.HeartbeatInterval is TimeSpan i) heartbeatInterval = i;
        if (d.GracePeriod is TimeSpan g) gracePeriod = g;
        if (d.Retries is int r) retries = r;
        Durability.Check(heartbeatInterval, GracePeriod);
    }

    /// <summary>This process's mark on the trials it runs, then the grace in ms it promises (0: no heartbeat).</summary>
    string Owner => ProcessMark + "|" + (heartbeatInterval is null ? 0 : (long)GracePeriod.TotalMilliseconds);

    /// <summary>host|machine key|pid|start ticks: which process this is, as another worker can check it.</summary>
    static readonly string ProcessMark = MakeProcessMark();

    static string MakeProcessMark()
    {
        using var me = Process.GetCurrentProcess();
        return string.Join('|', Environment.MachineName, MachineKey(), me.Id, me.StartTime.ToUniversalTime().Ticks);
    }

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
    /// <summary>An SQL expression for the database's current UTC time as ISO 8601 text: heartbeats are written and
    /// judged on this one clock.</summary>
    protected abstract string NowSql { get; }
    /// <summary>The exception to throw for a database error after opening: it names the database.</summary>
    protected virtual Exception Describe(DbException e) =>
        new StudyStorageException($"Storage {Url}: {e.Message.ReplaceLineEndings(" ")}", e);

    /// <summary>Runs one storage operation, turning database errors into ones that name the database.</summary>
    protected T Guard<T>(Func<T> operation)
    {
        try { return operation(); }
        catch (DbException e) { throw Describe(e); }
    }

    protected void Guard(Action operation) => Guard(() => { operation(); return 0; });

    /// <summary>Fails clearly when the tables were made by another program (for example an Optuna database, whose
    /// studies and trials tables have other columns), instead of "no such column" on the first query. Called in the
    /// transaction that creates the tables, so a foreign database is left as it was.</summary>
    protected void CheckTables(DbConnection c, DbTransaction t)
    {
        try
        {
            Scalar(c, t, "SELECT COUNT(*) FROM studies WHERE id IS NULL AND name IS NULL AND direction IS NULL");
            Scalar(c, t, "SELECT COUNT(*) FROM trials WHERE id IS NULL AND study_id IS NULL AND number IS NULL AND state IS NULL "
                + "AND value IS NULL AND error IS NULL AND start IS NULL AND complete IS NULL AND owner IS NULL AND heartbeat IS NULL");
            Scalar(c, t, "SELECT COUNT(*) FROM attrs WHERE trial_id IS NULL AND system IS NULL AND key IS NULL AND value IS NULL");
        }
        catch (DbException e)
        {
            throw new InvalidOperationException($"Storage {Url} holds tables that NotebookKit did not make ({e.Message.ReplaceLineEndings(" ")}); "
                + "is it an Optuna database? Give a new file, database or schema.", e);
        }
    }

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

    /// <summary>What makes process ids comparable: on Linux the boot id and the process namespace, empty elsewhere.</summary>
    static string MachineKey()
    {
        try
        {
            string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            string pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget ?? "";
            return boot + "/" + pidNamespace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
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
        Durability.Check(heartbeatInterval, GracePeriod);
        lock (gate) return Guard(() =>
        {
            using var c = Open();
            // Resuming is the common case among many workers: a read, without taking the write lock.
            if (loadIfExists && ReadStudy(c, null, name) is var (found, kept) && kept == direction) return found;
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
        });
    }

    public (int Id, StudyDirection Direction)? FindStudy(string name) => Guard(() =>
    {
        Durability.Check(heartbeatInterval, GracePeriod);
        using var c = Open();
        return ReadStudy(c, null, name);
    });

    public IReadOnlyList<(int Id, string Name, StudyDirection Direction)> GetStudies() => Guard(() =>
    {
        using var c = Open();
        using var cmd = Command(c, null, "SELECT id, name, direction FROM studies", []);
        using var r = cmd.ExecuteReader();
        var studies = new List<(int Id, string Name, StudyDirection Direction)>();
        while (r.Read()) studies.Add((Int(r.GetValue(0)), r.GetString(1), Enum.Parse<StudyDirection>(r.GetString(2))));
        return (IReadOnlyList<(int Id, string Name, StudyDirection Direction)>)studies.OrderBy(s => s.Name, StringComparer.Ordinal).ToArray();
    });

    public FrozenTrial StartTrial(int studyId) => TryStartTrial(studyId, int.MaxValue)!;

    public FrozenTrial? TryStartTrial(int studyId, int completeLimit)
    {
        lock (gate) return Guard(() =>
        {
            using var c = Open();
            using var t = BeginWrite(c);
            if (completeLimit < int.MaxValue)
            {
                LockStudy(c, t, studyId); // the count and the start are one step for every worker
                if (Int(Scalar(c, t, "SELECT COUNT(*) FROM trials WHERE study_id=@s AND state IN ('Complete', 'Running')",
                    ("@s", studyId))) >= completeLimit) return null;
            }
            var waiting = Scalar(c, t, "SELECT number FROM trials WHERE study_id=@s AND state='Waiting' ORDER BY number LIMIT 1"
                + ForUpdateSkipLocked, ("@s", studyId));
            int number;
            if (waiting is not null)
            {
                number = Int(waiting);
                Exec(c, t, $"UPDATE trials SET state='Running', start=@t, owner=@o, heartbeat={NowSql} WHERE study_id=@s AND number=@n",
                    ("@t", Now()), ("@o", Owner), ("@s", studyId), ("@n", number));
            }
            else
            {
                number = NextNumber(c, t, studyId);
                Exec(c, t, $"INSERT INTO trials(study_id, number, state, start, owner, heartbeat) VALUES(@s, @n, 'Running', @t, @o, {NowSql})",
                    ("@s", studyId), ("@n", number), ("@t", Now()), ("@o", Owner));
            }
            t.Commit();
            return ReadTrials(c, studyId, number).Single();
        });
    }

    int NextNumber(DbConnection c, DbTransaction t, int studyId)
    {
        LockStudy(c, t, studyId);
        return Int(Scalar(c, t, "SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id=@s", ("@s", studyId)));
    }

    public int EnqueueTrial(int studyId, IReadOnlyDictionary<string, object?> fixedParams)
    {
        lock (gate) return Guard(() =>
        {
            using var c = Open();
            using var t = BeginWrite(c);
            int number = Enqueue(c, t, studyId, fixedParams, null);
            t.Commit();
            return number;
        });
    }

    int Enqueue(DbConnection c, DbTransaction t, int studyId, IReadOnlyDictionary<string, object?> fixedParams,
        IReadOnlyDictionary<string, object?>? attrs)
    {
        int number = NextNumber(c, t, studyId);
        long id = Long(Scalar(c, t, "INSERT INTO trials(study_id, number, state) VALUES(@s, @n, 'Waiting') RETURNING id",
            ("@s", studyId), ("@n", number)));
        foreach (var (key, value) in (attrs ?? new Dictionary<string, object?>()).Prepend(new("fixed_params", fixedParams)))
            Exec(c, t, "INSERT INTO attrs(trial_id, system, key, value) VALUES(@i, 1, @k, @j)",
                ("@i", id), ("@k", key), ("@j", JsonSerializer.Serialize(value)));
        return number;
    }

    /// <summary>Enqueues the retry of a trial just failed in this transaction, if it has retries left.</summary>
    void Retry(DbConnection c, DbTransaction t, int studyId, int number)
    {
        if (retries == 0) return;
        var failed = ReadTrials(c, studyId, number, t).Single();
        if (Durability.RetryOf(failed, retries) is { } retry) Enqueue(c, t, studyId, retry.Fixed, retry.SystemAttrs);
    }

    // Every write to a trial checks it is still Running (and refreshes its heartbeat) in the same transaction,
    // holding the trial's row so that no other worker can fail it in between.
    void WriteRunning(int studyId, int number, Action<DbConnection, DbTransaction, long> write)
    {
        lock (gate) Guard(() =>
        {
            using var c = Open();
            using var t = BeginWrite(c);
            long id; string state; string? error;
            using (var cmd = Command(c, t, "SELECT id, state, error FROM trials WHERE study_id=@s AND number=@n" + ForUpdate,
                [("@s", studyId), ("@n", number)]))
            using (var r = cmd.ExecuteReader())
            {
                if (!r.Read()) throw new ArgumentException($"Trial {number} does not exist.");
                (id, state, error) = (Long(r.GetValue(0)), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));
            }
            if (state != "Running") throw new TrialNotRunningException(number, Enum.Parse<TrialState>(state), error);
            write(c, t, id); // the heartbeat is the trial's heartbeat thread's job, not every write's
            t.Commit();
        });
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

    public void SetAttr(int studyId, int number, string key, object? value, bool system) =>
        WriteRunning(studyId, number, (c, t, id) => PutAttr(c, t, id, system, key, value));

    public void Annotate(int studyId, int number, string key, object? value)
    {
        lock (gate) Guard(() =>
        {
            using var c = Open();
            PutAttr(c, null, TrialId(c, null, studyId, number), true, key, value);
        });
    }

    static long TrialId(DbConnection c, DbTransaction? t, int studyId, int number) =>
        Long(Scalar(c, t, "SELECT id FROM trials WHERE study_id=@s AND number=@n", ("@s", studyId), ("@n", number))
            ?? throw new ArgumentException($"Trial {number} does not exist."));

    static void PutAttr(DbConnection c, DbTransaction? t, long id, bool system, string key, object? value) =>
        Exec(c, t, "INSERT INTO attrs(trial_id, system, key, value) VALUES(@i, @y, @k, @j) " +
            "ON CONFLICT(trial_id, system, key) DO UPDATE SET value=excluded.value",
            ("@i", id), ("@y", system ? 1 : 0), ("@k", key), ("@j", JsonSerializer.Serialize(value)));

    public void FinishTrial(int studyId, int number, TrialState state, double? value, string? error) =>
        WriteRunning(studyId, number, (c, t, id) =>
        {
            Exec(c, t, "UPDATE trials SET state=@st, value=@v, error=@e, complete=@t WHERE id=@i", ("@st", state.ToString()),
                ("@v", value is double v && double.IsFinite(v) ? v : null), ("@e", error), ("@t", Now()), ("@i", id));
            if (state == TrialState.Failed) Retry(c, t, studyId, number);
        });

    /// <summary>No lock on this storage's gate: a beat must not wait behind this process's own slow writes.</summary>
    public bool Heartbeat(int studyId, int number) => Guard(() =>
    {
        using var c = Open();
        return Exec(c, null, $"UPDATE trials SET heartbeat={NowSql} WHERE study_id=@s AND number=@n AND state='Running' AND owner=@o",
            ("@s", studyId), ("@n", number), ("@o", Owner)) == 1;
    });

    public int CountTrials(int studyId, TrialState state) => Guard(() =>
    {
        using var c = Open();
        return Int(Scalar(c, null, "SELECT COUNT(*) FROM trials WHERE study_id=@s AND state=@st", ("@s", studyId), ("@st", state.ToString())));
    });

    public IReadOnlyList<FrozenTrial> GetTrials(int studyId) => Guard(() =>
    {
        using var c = Open();
        using var t = BeginRead(c); // one consistent snapshot across the four tables
        return ReadTrials(c, studyId, null, t);
    });

    public FrozenTrial GetTrial(int studyId, int number) => Guard(() =>
    {
        using var c = Open();
        using var t = BeginRead(c);
        return ReadTrials(c, studyId, number, t).Single();
    });

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
        JsonValueKind.Number => e.TryGetInt32(out int i) ? (object)i : e.GetDouble(), // an int stays an int, not 5.0
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(Plain).ToList(),
        _ => null,
    };

    public IReadOnlyList<int> FailStaleTrials(int studyId) => Guard(() =>
    {
        // A read first, without the write lock: almost always nothing is stale.
        using var c = Open();
        if (StaleRunning(c, null, studyId, "").Count == 0) return (IReadOnlyList<int>)[];
        lock (gate)
        {
            using var t = BeginWrite(c);
            // Rows locked by another transaction are being written by their live worker (or failed by another): skipped.
            var stale = StaleRunning(c, t, studyId, ForUpdateSkipLocked);
            using var me = Process.GetCurrentProcess();
            foreach (var (number, reason) in stale)
            {
                Exec(c, t, "UPDATE trials SET state='Failed', complete=@t, error=@e WHERE study_id=@s AND number=@n AND state='Running'",
                    ("@t", Now()), ("@e", $"{reason}; failed by {Environment.MachineName} pid {me.Id}."), ("@s", studyId), ("@n", number));
                Retry(c, t, studyId, number);
            }
            t.Commit();
            return stale.Select(x => x.Number).ToList();
        }
    });

    /// <summary>The study's Running trials whose worker is gone, with why, judged on the database's clock.</summary>
    List<(int Number, string Reason)> StaleRunning(DbConnection c, DbTransaction? t, int studyId, string lockClause)
    {
        var stale = new List<(int, string)>();
        using var cmd = Command(c, t, $"SELECT number, owner, heartbeat, {NowSql} FROM trials WHERE study_id=@s AND state='Running'"
            + lockClause, [("@s", studyId)]);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            string owner = r.IsDBNull(1) ? "" : r.GetString(1);
            TimeSpan silent = r.IsDBNull(2) ? TimeSpan.MaxValue : ParseTime(r.GetString(3)) - ParseTime(r.GetString(2));
            if (WhyDead(owner, silent) is string reason) stale.Add((Int(r.GetValue(0)), reason));
        }
        return stale;
    }

    /// <summary>Why the owner of a running trial counts as gone, or null while it may be alive.</summary>
    string? WhyDead(string owner, TimeSpan silent)
    {
        var parts = owner.Split('|');
        if (parts.Length != 5) return "Worker unknown (no owner recorded)"; // written by no version of this class
        if (owner.StartsWith(ProcessMark + "|", StringComparison.Ordinal)) return null; // this process's own: its heartbeats keep them
        string host = parts[0];
        if (string.Join('|', parts[..2]) == string.Join('|', ProcessMark.Split('|')[..2]) && !ProcessAlive(parts[2], parts[3]))
            return $"Worker process ended while the trial was running (pid {parts[2]} on this machine is gone)";
        long graceMs = long.Parse(parts[4], CultureInfo.InvariantCulture);
        if (graceMs > 0 && silent > TimeSpan.FromMilliseconds(graceMs))
            return $"No heartbeat from its worker ({host} pid {parts[2]}) for {Seconds(silent)} s, longer than its grace period of "
                + $"{graceMs / 1000.0:0.###} s";
        return null;
    }

    static string Seconds(TimeSpan t) => t == TimeSpan.MaxValue ? "ever" : t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    static bool ProcessAlive(string pid, string startTicks)
    {
        try
        {
            using var p = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
            // Same pid but another start time means the pid was reused. Linux start times jitter by milliseconds
            // between readers (boot time is derived from the uptime), hence the tolerance.
            long started = long.Parse(startTicks, CultureInfo.InvariantCulture);
            return !p.HasExited && Math.Abs(p.StartTime.ToUniversalTime().Ticks - started) <= TimeSpan.TicksPerSecond * 2;
        }
        catch (ArgumentException) { return false; } // no such process
        catch (InvalidOperationException) { return false; }
    }
}
