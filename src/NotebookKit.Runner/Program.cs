using System.Globalization;
using NotebookKit.Runner;

// Exit explicitly: a cell that outlived --cell-timeout still holds a kernel thread.
Environment.Exit(Cli.Execute(args));

static class Cli
{
    const string Usage = """
        nbkit: runs and checks NotebookKit's C# notebooks in the released .NET Interactive C# kernel.

        usage:
          nbkit run <notebooks or folders> [--out DIR] [--fast] [-p name=value ...] [--cell-timeout SECONDS]
          nbkit check <notebooks or folders>
          nbkit export <notebooks or folders> [--out DIR] [--size fast|workshop|full] [-p name=value ...]
          nbkit study list|show|export|report <storage URL> [--name N] [--format csv|json] [--out FILE]

        run    executes each notebook in a fresh kernel; writes DIR/<name>.ipynb and DIR/<name>.html
               (default DIR: artifacts/notebooks); lists compiler warnings; exits 1 when any cell fails.
        check  checks the notebook conventions; exits 1 when any notebook breaks one.
        export writes each notebook as a .NET file-based app, DIR/<name>.cs (default DIR: artifacts/export), set to
               the given size (default fast); `dotnet run DIR/<name>.cs` prints to the console and writes
               DIR/<name>.html with the tables and charts.
        study  reads a stored tuning study, read-only (nbkit study --help: commands and exit codes).
        """;

    /// <summary>The process's own stdout and stderr: while a cell runs (and after one outlives --cell-timeout) the
    /// kernel redirects Console.Out and Console.Error into the cell.</summary>
    static readonly TextWriter Terminal = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
    static readonly TextWriter TerminalError = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };

    public static int Execute(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            return args[0] switch
            {
                "run" => Run(args[1..]),
                "check" => Check(args[1..]),
                "export" => Export(args[1..]),
                "study" => StudyTool.Run(args[1..]),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"nbkit: {e.Message}\n\n{Usage}");
            return 2;
        }
    }

    static int Run(string[] args)
    {
        var targets = new List<string>();
        var parameters = new List<KeyValuePair<string, string>>();
        string outDir = Path.Combine("artifacts", "notebooks");
        bool fast = false;
        double timeout = 600;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": outDir = Value(args, ref i); break;
                case "--fast": fast = true; break;
                case "--cell-timeout":
                    if (!double.TryParse(Value(args, ref i), NumberStyles.Float, CultureInfo.InvariantCulture, out timeout) || timeout <= 0)
                        throw new UsageException("--cell-timeout takes a positive number of seconds");
                    break;
                default: ParameterOrTarget(args, ref i, parameters, targets); break;
            }
        }
        var notebooks = Expand(targets);
        var executor = new NotebookExecutor(new RunOptions
        {
            Fast = fast, Parameters = parameters, CellTimeout = TimeSpan.FromSeconds(timeout),
        }, Terminal);

        var results = new List<NotebookResult>();
        foreach (var notebook in notebooks)
        {
            Terminal.WriteLine($"nbkit: running {notebook}{(fast ? " (fast)" : "")}");
            var result = executor.Run(notebook, outDir);
            results.Add(result);
            if (!result.Succeeded) TerminalError.WriteLine($"nbkit: FAILED {result.Failure}");
        }

        Terminal.WriteLine();
        Terminal.WriteLine($"{"notebook",-40} {"cells",7} {"seconds",8} {"warnings",8}  status");
        foreach (var r in results)
            Terminal.WriteLine($"{Path.GetFileName(r.Notebook),-40} {r.CellsRun + "/" + r.CodeCells,7} {r.Seconds,8:0.0} {r.Warnings.Count,8}  {(r.Succeeded ? "ok" : "FAILED")}");
        Terminal.WriteLine($"executed notebooks and HTML handouts: {Path.GetFullPath(outDir)}");
        foreach (var warning in results.SelectMany(r => r.Warnings))
            Terminal.WriteLine($"nbkit: warning: {warning}");
        foreach (var r in results.Where(r => !r.Succeeded))
            TerminalError.WriteLine($"nbkit: {r.Failure}");
        return results.All(r => r.Succeeded) ? 0 : 1;
    }

    static int Check(string[] args)
    {
        var notebooks = Expand(args.ToList());
        int bad = 0;
        foreach (var notebook in notebooks)
        {
            var problems = ConventionChecker.Check(notebook);
            Console.WriteLine($"{notebook}: {(problems.Count == 0 ? "ok" : $"{problems.Count} problem(s)")}");
            foreach (var p in problems) Console.WriteLine($"  - {p}");
            if (problems.Count > 0) bad++;
        }
        return bad == 0 ? 0 : 1;
    }

    static int Export(string[] args)
    {
        var targets = new List<string>();
        var parameters = new List<KeyValuePair<string, string>>();
        string outDir = Path.Combine("artifacts", "export");
        string size = "fast";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": outDir = Value(args, ref i); break;
                case "--size":
                    size = Value(args, ref i);
                    if (size is not ("fast" or "workshop" or "full"))
                        throw new UsageException($"--size takes fast, workshop or full, got '{size}'");
                    break;
                default: ParameterOrTarget(args, ref i, parameters, targets); break;
            }
        }
        if (size != "workshop") parameters.Insert(0, new("size", size));
        int failed = 0;
        foreach (var notebook in Expand(targets))
        {
            try
            {
                Console.WriteLine($"nbkit: exported {notebook} to {NotebookExporter.Export(notebook, outDir, new RunOptions { Parameters = parameters })}");
            }
            catch (InvalidDataException e)
            {
                Console.Error.WriteLine($"nbkit: {e.Message}");
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    static List<string> Expand(List<string> targets)
    {
        if (targets.Count == 0) throw new UsageException("name at least one notebook or folder");
        var notebooks = new List<string>();
        foreach (var target in targets)
        {
            if (Directory.Exists(target))
                notebooks.AddRange(Directory.GetFiles(target, "*.ipynb").OrderBy(f => f, StringComparer.Ordinal));
            else if (File.Exists(target))
                notebooks.Add(target);
            else
                throw new UsageException($"no notebook or folder at '{target}'");
        }
        if (notebooks.Count == 0) throw new UsageException($"no .ipynb files in {string.Join(", ", targets)}");
        return notebooks;
    }

    /// <summary>The options run and export share: -p name=value, or a notebook or folder.</summary>
    static void ParameterOrTarget(string[] args, ref int i, List<KeyValuePair<string, string>> parameters, List<string> targets)
    {
        if (args[i] is "-p" or "--parameter")
        {
            var pair = Value(args, ref i);
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new UsageException($"-p takes name=value, got '{pair}'");
            parameters.Add(new(pair[..eq].Trim(), pair[(eq + 1)..]));
        }
        else if (args[i].StartsWith('-')) throw new UsageException($"unknown option '{args[i]}'");
        else targets.Add(args[i]);
    }

    static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new UsageException($"{args[i]} needs a value");
        return args[++i];
    }
}

sealed class UsageException(string message) : Exception(message);
