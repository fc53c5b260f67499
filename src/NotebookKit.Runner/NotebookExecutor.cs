using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using InteractiveSeverity = Microsoft.CodeAnalysis.DiagnosticSeverity;

namespace NotebookKit.Runner;

public sealed record RunOptions
{
    public bool Fast { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

public sealed record NotebookResult(
    string Notebook, int CellsRun, int CodeCells, double Seconds, string? Failure, IReadOnlyList<string> Warnings,
    string OutputNotebook, string OutputHtml)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Executes a notebook in the released .NET Interactive C# kernel (<see cref="NotebookKernel"/>), one kernel per
/// notebook, started in the notebook's folder as VS Code starts it. nbkit adds what a headless run needs:
/// papermill-style parameters, a per-cell time limit, compiler warnings counted, failures that name notebook, cell
/// and line, the executed .ipynb and its HTML handout.
/// </summary>
public sealed partial class NotebookExecutor(RunOptions options, TextWriter log)
{
    public NotebookResult Run(string notebookPath, string outDir)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        var name = Path.GetFileNameWithoutExtension(notebookPath);
        var outNotebook = Path.Combine(outDir, name + ".ipynb");
        var outHtml = Path.Combine(outDir, name + ".html");
        var clock = Stopwatch.StartNew();
        Notebook notebook;
        try
        {
            notebook = Notebook.Load(notebookPath).Clone(outNotebook);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return new NotebookResult(notebookPath, 0, 0, 0, e.Message, [], outNotebook, outHtml);
        }

        var previousDirectory = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(Path.GetDirectoryName(notebookPath)!);
        var session = new Session(NotebookKernel.Create(), Path.GetFileName(notebookPath), options.CellTimeout, log);
        string? failure = null;
        int executed = 0, codeCells = 0, cellNumber = 0;
        try
        {
            foreach (var cell in notebook.Cells.ToList())
            {
                cellNumber++;
                if (cell is null || Notebook.CellType(cell) != "code") continue;
                codeCells++;
                var outputs = new CellOutputs();
                cell["outputs"] = outputs.Items;
                cell["execution_count"] = null;
                if (failure is not null) continue;

                var cellClock = Stopwatch.StartNew();
                log.WriteLine($"  [{name}] cell {cellNumber} ...");
                cell["execution_count"] = ++executed;
                failure = session.Execute(Notebook.Source(cell), cellNumber, executed, outputs);
                log.WriteLine($"  [{name}] cell {cellNumber} {(failure is null ? "ok" : "FAILED")} in {cellClock.Elapsed.TotalSeconds:0.00} s");

                if (failure is null && Notebook.Tags(cell).Contains("parameters"))
                {
                    var (code, error) = InjectParameters(Notebook.Source(cell), options);
                    if (error is not null)
                    {
                        failure = $"{session.Where(cellNumber, null)}: {error}";
                    }
                    else if (code is not null)
                    {
                        var injectedOutputs = new CellOutputs();
                        var injected = new JsonObject
                        {
                            ["cell_type"] = "code",
                            ["execution_count"] = ++executed,
                            ["id"] = "injected-parameters",
                            ["metadata"] = new JsonObject { ["tags"] = new JsonArray("injected-parameters") },
                            ["outputs"] = injectedOutputs.Items,
                            ["source"] = Notebook.Lines(code),
                        };
                        notebook.Cells.Insert(notebook.Cells.IndexOf(cell) + 1, injected);
                        codeCells++;
                        failure = session.Execute(code, cellNumber, executed, injectedOutputs);
                    }
                }
            }
        }
        finally
        {
            session.Dispose();
            Directory.SetCurrentDirectory(previousDirectory);
        }

        notebook.Root["metadata"]!.AsObject()["nbkit"] = new JsonObject
        {
            ["executed_at"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
            ["fast"] = options.Fast,
            ["succeeded"] = failure is null,
            ["warnings"] = session.Warnings.Count,
        };
        notebook.Save(outNotebook);
        HtmlHandout.Write(notebook, outHtml);
        return new NotebookResult(notebookPath, executed, codeCells, clock.Elapsed.TotalSeconds, failure, session.Warnings,
            outNotebook, outHtml);
    }

    /// <summary>
    /// The papermill-style cell injected after the parameters cell: <c>--fast</c> sets <c>size = "fast"</c> (or
    /// <c>fast = true</c> in a notebook that declares a bool), then each <c>-p name=value</c>. Returns (null, null)
    /// when there is nothing to inject, or an error naming an undeclared parameter.
    /// </summary>
    public static (string? Code, string? Error) InjectParameters(string parametersSource, RunOptions run)
    {
        var overrides = new List<KeyValuePair<string, string>>();
        var declared = DeclaredNames().Matches(parametersSource).Select(m => m.Groups["name"].Value).ToHashSet();
        // --fast picks the "fast" size (NotebookKit.Setup.Sizes); older notebooks declare a bool instead.
        if (run.Fast) overrides.Add(declared.Contains("size") ? new("size", "fast") : new("fast", "true"));
        overrides.AddRange(run.Parameters);
        if (overrides.Count == 0) return (null, null);

        var lines = new List<string> { "// Injected by nbkit: parameters from the command line." };
        // One assignment per name: the last given wins (-p size=full after --fast or --size).
        foreach (var (key, value) in overrides.GroupBy(o => o.Key).Select(g => g.Last()))
        {
            if (!declared.Contains(key))
                return (null, $"parameter '{key}' is not declared in the parameters cell (declared: {string.Join(", ", declared)}).");
            lines.Add($"{key} = {Literal(value)};");
        }
        return (string.Join("\n", lines), null);
    }

    static string Literal(string value)
    {
        var v = value.Trim();
        if (v is "true" or "false" || v.StartsWith('"')) return v;
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !v.Contains("e", StringComparison.OrdinalIgnoreCase)) return v;
        return "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    /// <summary>One notebook's kernel: runs cells, turns its events into outputs, and names failures.</summary>
    sealed class Session(CompositeKernel kernel, string notebookName, TimeSpan cellTimeout, TextWriter log) : IDisposable
    {
        bool timedOut;
        public List<string> Warnings { get; } = [];

        public string Where(int cellNumber, int? line) => $"{notebookName}, cell {cellNumber}" + (line is int l ? $", line {l}" : "");

        /// <summary>A cell still running past its limit holds the kernel, so only a clean session disposes it.</summary>
        public void Dispose()
        {
            if (!timedOut) kernel.Dispose();
        }

        /// <summary>Runs one cell; returns null on success, else the failure naming notebook, cell and line.</summary>
        public string? Execute(string source, int cellNumber, int executionCount, CellOutputs outputs)
        {
            CommandFailed? failed = null;
            var errors = new List<Diagnostic>();
            var command = new SubmitCode(source);
            using var events = kernel.KernelEvents.Subscribe(e =>
            {
                var echo = outputs.Add(e, executionCount);
                if (echo is not null) Echo(echo, e is StandardOutputValueProduced ? "    | " : "    ! ");
                switch (e)
                {
                    case DiagnosticsProduced produced:
                        foreach (var (d, text) in produced.Diagnostics.Zip(produced.FormattedDiagnostics, (d, f) => (d, f.Value)))
                        {
                            if (d.Severity == InteractiveSeverity.Error) errors.Add(d);
                            if (d.Severity != InteractiveSeverity.Warning) continue;
                            // Every warning counts; one with no place in the cell's code (CS1701, say) names no line.
                            int? line = text.StartsWith('(') ? d.LinePositionSpan.Start.Line + 1 : null;
                            lock (Warnings) Warnings.Add($"{Where(cellNumber, line)}: {d.Code}: {d.Message}");
                        }
                        break;
                    case CommandFailed f when failed is null:
                        failed = f;
                        break;
                }
            });
            var run = kernel.SendAsync(command);
            if (!run.Wait(cellTimeout))
            {
                timedOut = true;
                _ = kernel.SendAsync(new Cancel());
                return Fail(outputs, "TimeoutError", $"{Where(cellNumber, null)}: did not finish within {cellTimeout.TotalSeconds:0} s (--cell-timeout).", []);
            }
            failed ??= run.Result.Events.OfType<CommandFailed>().FirstOrDefault();
            return failed is null ? null : Report(failed, errors, source, cellNumber, outputs);
        }

        void Echo(string text, string prefix)
        {
            foreach (var line in text.TrimEnd('\n').Split('\n')) log.WriteLine(prefix + line);
        }

        string Report(CommandFailed failed, List<Diagnostic> errors, string source, int cellNumber, CellOutputs outputs)
        {
            if (errors.Count > 0)
            {
                var first = errors[0];
                return Fail(outputs, "CompilationError",
                    $"{Where(cellNumber, first.LinePositionSpan.Start.Line + 1)}: {first.Code}: {first.Message}", []);
            }
            if (failed.Exception is { } e)
            {
                if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
                // Roslyn names script assemblies ℛ*<id>#<submission>: the first such frame is the cell's line.
                int? line = new StackTrace(e, true).GetFrames()
                    .FirstOrDefault(f => f.GetFileLineNumber() > 0
                        && f.GetMethod()?.Module.Assembly.FullName?.StartsWith("ℛ*", StringComparison.Ordinal) == true)
                    ?.GetFileLineNumber();
                return Fail(outputs, e.GetType().Name, $"{Where(cellNumber, line)}: {e.GetType().FullName}: {e.Message}",
                    e.ToString().Split('\n').Select(l => l.TrimEnd('\r')));
            }
            // No exception: a directive failed (a package that does not restore, ...). Name the #r line it concerns.
            var lines = source.Replace("\r\n", "\n").Split('\n');
            int? directive = Enumerable.Range(0, lines.Length)
                .Where(i => lines[i].TrimStart().StartsWith("#r ", StringComparison.Ordinal) || lines[i].TrimStart().StartsWith("#i ", StringComparison.Ordinal))
                .Select(i => (int?)(i + 1))
                .FirstOrDefault(i => ReferencedName(lines[i!.Value - 1]) is { Length: > 0 } id && failed.Message.Contains(id, StringComparison.OrdinalIgnoreCase));
            return Fail(outputs, "KernelError", $"{Where(cellNumber, directive)}: {failed.Message.Trim()}", []);
        }

        static string ReferencedName(string directive)
        {
            var m = Regex.Match(directive, """#[ri]\s+"(?:nuget:\s*)?(?<name>[^,"]+)""");
            return m.Success ? m.Groups["name"].Value.Trim() : "";
        }

        static string Fail(CellOutputs outputs, string name, string message, IEnumerable<string> traceback)
        {
            outputs.AddError(name, message, new[] { message }.Concat(traceback));
            return message;
        }
    }

    [GeneratedRegex("""^\s*(?:var|int|long|double|float|bool|string|decimal)\s+(?<name>[A-Za-z_]\w*)\s*=""", RegexOptions.Multiline)]
    private static partial Regex DeclaredNames();
}
