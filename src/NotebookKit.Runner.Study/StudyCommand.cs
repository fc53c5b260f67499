using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Analysis;
using Microsoft.Data.Sqlite;
using NotebookKit.Display;
using NotebookKit.Tuning;

namespace NotebookKit.Runner.Study;

/// <summary>
/// <c>nbkit study list|show|export|report &lt;storage URL&gt; [--name N]</c>: reads stored tuning studies, never writes
/// them (no study is created, no stale trial failed), one short read at a time, so it can watch a study that workers
/// on other machines are filling. Every failure is one line on stderr and an exit code from <see cref="Exit"/>.
/// </summary>
public static class StudyCommand
{
    /// <summary>The exit codes, as the usage text documents them.</summary>
    public enum Exit { Ok = 0, Error = 1, Usage = 2, Storage = 3, NoStudy = 4, NoTrials = 5 }

    public const string Usage = """
        usage:
          nbkit study list   <storage URL>
          nbkit study show   <storage URL> [--name N]
          nbkit study export <storage URL> [--name N] [--format csv|json] [--out FILE]
          nbkit study report <storage URL> [--name N] [--out FILE]

        storage URL: sqlite:///relative/path.db, sqlite:////absolute/path.db or postgresql://user@host:port/database
        list    every study: direction, trials by state, best value
        show    one study: summary and trial table (number, state, value, duration, params)
        export  one study's trials as CSV (default) or JSON, to stdout or FILE
        report  one study as one self-contained HTML page (history, intermediate values, importances, parallel
                coordinates, contour); default FILE: <study name>-report.html
        --name  the study; may be left out when the storage holds exactly one

        Reads only: safe on a study other workers are filling.
        exit codes: 0 done, 1 unexpected error, 2 usage, 3 storage cannot be read (missing file, not a study
        database, server unreachable, login refused), 4 no such study, 5 the study has no trials
        """;

    sealed class Failure(Exit code, string message) : Exception(message)
    {
        public Exit Code { get; } = code;
    }

    sealed record Options(string Command, string Url, string? Name, string Format, string? Out);

    public static int Execute(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return (int)(args.Length == 0 ? Exit.Usage : Exit.Ok);
        }
        try
        {
            var options = Parse(args);
            var storage = OpenStorage(options.Url);
            string source = storage is SqlStorage sql ? sql.Url : options.Url;
            if (options.Command == "list") return List(storage, source, stdout);
            var study = FindStudy(storage, source, options.Name).Snapshot();
            var trials = study.GetTrials();
            if (trials.Count == 0) throw new Failure(Exit.NoTrials, $"study '{study.Name}' in {source} has no trials yet");
            switch (options.Command)
            {
                case "show": Show(study, trials, source, stdout); break;
                case "export": Export(study, trials, options, stdout); break;
                default: Report(study, source, options, stdout); break;
            }
            return (int)Exit.Ok;
        }
        catch (Failure f)
        {
            stderr.WriteLine($"nbkit study: {f.Message}");
            if (f.Code == Exit.Usage) stderr.WriteLine("(nbkit study --help for usage)");
            return (int)f.Code;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"nbkit study: {e.GetType().Name}: {OneLine(e.Message)}");
            return (int)Exit.Error;
        }
    }

    static Options Parse(string[] args)
    {
        string command = args[0];
        if (command is not ("list" or "show" or "export" or "report"))
            throw new Failure(Exit.Usage, $"unknown study command '{command}' (list, show, export or report)");
        string? url = null, name = null, output = null, format = "csv";
        for (int i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new Failure(Exit.Usage, $"{args[i]} needs a value");
            switch (args[i])
            {
                case "--name": name = Value(); break;
                case "--out" when command is "export" or "report": output = Value(); break;
                case "--format" when command == "export":
                    format = Value();
                    if (format is not ("csv" or "json")) throw new Failure(Exit.Usage, $"--format takes csv or json, not '{format}'");
                    break;
                default:
                    if (args[i].StartsWith('-')) throw new Failure(Exit.Usage, $"unknown option '{args[i]}' for study {command}");
                    if (url is not null) throw new Failure(Exit.Usage, $"one storage URL only, got '{url}' and '{args[i]}'");
                    url = args[i];
                    break;
            }
        }
        if (url is null) throw new Failure(Exit.Usage, $"study {command} needs a storage URL (sqlite:///path.db or postgresql://user@host:port/db)");
        if (command == "list" && name is not null) throw new Failure(Exit.Usage, "study list shows every study; --name is for show, export and report");
        return new Options(command, url, name, format, output);
    }

    /// <summary>Opens the storage without creating anything: a SQLite URL must name an existing study database.</summary>
    static IStudyStorage OpenStorage(string url)
    {
        if (url == "memory") throw new Failure(Exit.Usage, "'memory' holds no study another process can read: give sqlite:///path.db or postgresql://...");
        if (url.StartsWith("sqlite:///", StringComparison.Ordinal)) CheckSqliteFile(Path.GetFullPath(url["sqlite:///".Length..].Split('?')[0]));
        try
        {
            return StudyStorage.Open(url);
        }
        catch (ArgumentException e) { throw new Failure(Exit.Usage, OneLine(e.Message)); }
        catch (Exception e) { throw new Failure(Exit.Storage, OneLine(e.Message)); }
    }

    /// <summary>The storage would create a missing file, or its tables in any SQLite file: look first, read-only.</summary>
    static void CheckSqliteFile(string path)
    {
        if (!File.Exists(path)) throw new Failure(Exit.Storage, $"no SQLite file at {path}");
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name IN ('studies', 'trials')";
            if (Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) != 2)
                throw new Failure(Exit.Storage, $"{path} is a SQLite file without study tables (not a study database)");
        }
        catch (SqliteException e) { throw new Failure(Exit.Storage, $"{path} cannot be read as a study database: {OneLine(e.Message)}"); }
    }

    static NotebookKit.Tuning.Study FindStudy(IStudyStorage storage, string source, string? name)
    {
        var studies = Read(() => storage.GetStudies());
        string Names() => string.Join(", ", studies.Select(s => s.Name));
        if (name is null)
        {
            if (studies.Count == 1) name = studies[0].Name;
            else if (studies.Count == 0) throw new Failure(Exit.NoStudy, $"no studies in {source}");
            else throw new Failure(Exit.NoStudy, $"{studies.Count} studies in {source}; name one with --name: {Names()}");
        }
        if (!studies.Any(s => s.Name == name))
            throw new Failure(Exit.NoStudy, $"no study '{name}' in {source}" + (studies.Count > 0 ? $" (studies: {Names()})" : " (it holds no studies)"));
        return Read(() => NotebookKit.Tuning.Study.Open(name, storage));
    }

    /// <summary>A read that fails on the storage's side (server gone, file locked) is a storage failure.</summary>
    static T Read<T>(Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not Failure) { throw new Failure(Exit.Storage, OneLine(e.Message)); }
    }

    static int List(IStudyStorage storage, string source, TextWriter stdout)
    {
        var studies = Read(() => storage.GetStudies());
        if (studies.Count == 0) { stdout.WriteLine($"no studies in {source}"); return (int)Exit.Ok; }
        var table = new HtmlTable(["name", "direction", "trials", "complete", "pruned", "failed", "running", "waiting", "best value"], source);
        foreach (var (_, name, _) in studies)
        {
            var study = Read(() => NotebookKit.Tuning.Study.Open(name, storage));
            var summary = StudySummary.Of(study, Read(() => study.GetTrials()));
            table.AddRow(name, study.Direction.ToString(), summary.Total, summary.Counts[TrialState.Complete], summary.Counts[TrialState.Pruned],
                summary.Counts[TrialState.Failed], summary.Counts[TrialState.Running], summary.Counts[TrialState.Waiting], StudySummary.Value(summary.Best?.Value));
        }
        stdout.Write(table.ToPlainText());
        return (int)Exit.Ok;
    }

    static void Show(NotebookKit.Tuning.Study study, IReadOnlyList<FrozenTrial> trials, string source, TextWriter stdout)
    {
        var summary = StudySummary.Of(study, trials);
        stdout.WriteLine($"study {study.Name} ({source})");
        stdout.WriteLine($"direction {study.Direction}; {summary.Total} trials: {summary.CountsText()}");
        stdout.WriteLine($"best value {summary.BestText()}");
        stdout.WriteLine();
        stdout.Write(StudySummary.TrialTable(trials).ToPlainText());
    }

    static void Export(NotebookKit.Tuning.Study study, IReadOnlyList<FrozenTrial> trials, Options options, TextWriter stdout)
    {
        string text = options.Format == "json" ? Json(trials) : Csv(study.Trials);
        if (options.Out is null) stdout.Write(text);
        else Write(options.Out, text);
    }

    static void Report(NotebookKit.Tuning.Study study, string source, Options options, TextWriter stdout)
    {
        NotebookKit.Setup.Kit.ApplyNativeFix(); // the importances and the contour fit a GP on TorchSharp
        string path = options.Out ?? study.Name.Aggregate(new StringBuilder(), (b, c) => b.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')) + "-report.html";
        Write(path, StudyReport.Html(study, source));
        stdout.WriteLine($"report of study {study.Name}: {Path.GetFullPath(path)}");
    }

    static void Write(string path, string text)
    {
        try { File.WriteAllText(path, text); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new Failure(Exit.Usage, $"cannot write {path}: {OneLine(e.Message)}"); }
    }

    /// <summary>CSV of <see cref="NotebookKit.Tuning.Study.Trials"/>: numbers round-trip ("R"), empty for missing, quoted as RFC 4180 needs.</summary>
    static string Csv(DataFrame frame)
    {
        static string Cell(object? v) => v switch
        {
            null => "",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => Quote(v.ToString() ?? ""),
        };
        static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
        var csv = new StringBuilder().AppendLine(string.Join(",", frame.Columns.Select(c => Quote(c.Name))));
        for (long r = 0; r < frame.Rows.Count; r++)
            csv.AppendLine(string.Join(",", frame.Columns.Select(c => Cell(c[r]))));
        return csv.ToString();
    }

    /// <summary>One object per trial: everything the storage keeps about it but the sampler's bookkeeping.</summary>
    static string Json(IReadOnlyList<FrozenTrial> trials) => JsonSerializer.Serialize(trials.Select(t => new
    {
        number = t.Number, state = t.State.ToString(), value = t.Value,
        start = t.Start, complete = t.Complete, duration_s = t.Duration?.TotalSeconds,
        @params = t.Params, intermediate = t.IntermediateValues.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value),
        user_attrs = t.UserAttrs, error = t.Error,
    }), new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }) + "\n";

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
