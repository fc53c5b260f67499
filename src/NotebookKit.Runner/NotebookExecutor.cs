using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookKit.Runner;

public sealed record RunOptions
{
    public bool Fast { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public IReadOnlyList<string> PackageFolders { get; init; } = [];
}

public sealed record NotebookResult(string Notebook, int CellsRun, int CodeCells, double Seconds, string? Failure, string OutputNotebook, string OutputHtml)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Executes a notebook the way the C# kernel does: one Roslyn script state per notebook, each code cell a
/// submission chained on the previous one, values shown through .NET Interactive's formatters.
/// </summary>
public sealed partial class NotebookExecutor
{
    static readonly string[] DefaultImports =
        ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq"];
    static readonly Lazy<MetadataReference[]> FrameworkReferences = new(LoadFrameworkReferences);
    static readonly object ConsoleGate = new();
    static bool formattingConfigured;

    readonly RunOptions options;
    readonly PackageCatalog packages;
    readonly TextWriter log;

    public NotebookExecutor(RunOptions options, TextWriter log)
    {
        this.options = options;
        this.log = log;
        packages = new PackageCatalog(options.PackageFolders);
        ConfigureFormattingAsKernel();
    }

    /// <summary>text/html by default and text/plain for strings, as the C# kernel sets it.</summary>
    static void ConfigureFormattingAsKernel()
    {
        if (formattingConfigured) return;
        Formatter.DefaultMimeType = "text/html";
        Formatter.SetPreferredMimeTypesFor(typeof(string), "text/plain");
        formattingConfigured = true;
    }

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
            return new NotebookResult(notebookPath, 0, 0, 0, e.Message, outNotebook, outHtml);
        }

        using var session = new Session(this, notebookPath);
        string? failure = null;
        int executed = 0, codeCells = 0, cellNumber = 0;
        var cells = notebook.Cells.ToList();
        var previousDirectory = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(Path.GetDirectoryName(notebookPath)!);
        try
        {
            foreach (var cell in cells)
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
                failure = session.Execute(Notebook.Source(cell), cellNumber, outputs);
                cell["execution_count"] = ++executed;
                log.WriteLine($"  [{name}] cell {cellNumber} {(failure is null ? "ok" : "FAILED")} in {cellClock.Elapsed.TotalSeconds:0.00} s");

                if (failure is null && Notebook.Tags(cell).Contains("parameters"))
                {
                    var injected = session.InjectParameters(Notebook.Source(cell), cellNumber, options);
                    if (injected.Cell is not null)
                    {
                        int at = notebook.Cells.IndexOf(cell) + 1;
                        notebook.Cells.Insert(at, injected.Cell);
                        injected.Cell["execution_count"] = ++executed;
                        codeCells++;
                    }
                    failure = injected.Failure;
                }
            }
        }
        finally
        {
            Directory.SetCurrentDirectory(previousDirectory);
        }

        notebook.Root["metadata"]!.AsObject()["nbkit"] = new JsonObject
        {
            ["executed_at"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
            ["fast"] = options.Fast,
            ["succeeded"] = failure is null,
        };
        notebook.Save(outNotebook);
        HtmlHandout.Write(notebook, outHtml);
        return new NotebookResult(notebookPath, executed, codeCells, clock.Elapsed.TotalSeconds, failure, outNotebook, outHtml);
    }

    /// <summary>One notebook's script state and references.</summary>
    sealed class Session(NotebookExecutor owner, string notebookPath) : IDisposable
    {
        readonly CellGlobals globals = new();
        readonly CellThread thread = new("nbkit " + Path.GetFileName(notebookPath));
        bool timedOut;

        /// <summary>A timed-out cell still holds the thread, so only a clean session releases it.</summary>
        public void Dispose()
        {
            if (!timedOut) thread.Dispose();
        }

        readonly HashSet<string> referenced = new(StringComparer.OrdinalIgnoreCase);
        readonly HashSet<string> loadedPackages = new(StringComparer.OrdinalIgnoreCase);
        ScriptState<object>? state;
        ScriptOptions scriptOptions = ScriptOptions.Default
            .WithReferences(FrameworkReferences.Value)
            .AddReferences(typeof(Formatter).Assembly, typeof(CellGlobals).Assembly)
            .WithImports(DefaultImports)
            .WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Preview)
            .WithEmitDebugInformation(true)
            .WithFileEncoding(System.Text.Encoding.UTF8)
            .WithAllowUnsafe(true);

        string Where(int cellNumber, int? line) =>
            $"{Path.GetFileName(notebookPath)}, cell {cellNumber}" + (line is int l ? $", line {l}" : "");

        /// <summary>Runs one cell; returns null on success, else the failure naming notebook, cell and line.</summary>
        public string? Execute(string source, int cellNumber, CellOutputs outputs)
        {
            CellDirectives directives;
            try
            {
                directives = CellDirectives.Parse(source);
                foreach (var reference in directives.References) AddReference(reference, cellNumber, outputs);
            }
            catch (DirectiveException e)
            {
                return Fail(outputs, "DirectiveError", $"{Where(cellNumber, e.Line)}: {e.Message}", []);
            }
            catch (ReferenceException e)
            {
                return Fail(outputs, "ReferenceError", $"{Where(cellNumber, e.Line)}: {e.Message}", []);
            }
            if (directives.IsMarkdown) return null;
            return Submit(directives.Code, cellNumber, outputs, showResult: true);
        }

        void AddReference(Reference reference, int cellNumber, CellOutputs outputs)
        {
            switch (reference)
            {
                case PackageReference p:
                    CarriedPackage package;
                    try
                    {
                        package = owner.packages.Resolve(p.Id, p.Version);
                    }
                    catch (PackageResolutionException e)
                    {
                        throw new ReferenceException(p.Line, e.Message);
                    }
                    AddAssemblies(package.Assemblies);
                    if (loadedPackages.Add(package.Id) && package.ExtensionDib is not null)
                    {
                        foreach (var code in ExtensionCode(package.ExtensionDib))
                        {
                            var failure = Submit(code, cellNumber, outputs, showResult: false);
                            if (failure is not null) throw new ReferenceException(p.Line, $"extension.dib of {package.Id} failed: {failure}");
                        }
                    }
                    break;
                case AssemblyReference a:
                    var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(notebookPath)!, a.Path));
                    if (!File.Exists(path))
                        throw new ReferenceException(a.Line, $"#r \"{a.Path}\": no file at {path}. Build the kit first (see README).");
                    AddAssemblies([path]);
                    break;
            }
        }

        void AddAssemblies(IEnumerable<string> paths)
        {
            var fresh = paths.Where(referenced.Add).Select(p => MetadataReference.CreateFromFile(p)).ToArray();
            if (fresh.Length > 0) scriptOptions = scriptOptions.AddReferences(fresh);
        }

        public (JsonObject? Cell, string? Failure) InjectParameters(string parametersSource, int cellNumber, RunOptions run)
        {
            var overrides = new List<KeyValuePair<string, string>>();
            var declared = DeclaredNames().Matches(parametersSource).Select(m => m.Groups["name"].Value).ToHashSet();
            // --fast picks the "fast" size (NotebookKit.Setup.Sizes); older notebooks declare a bool instead.
            if (run.Fast) overrides.Add(declared.Contains("size") ? new("size", "fast") : new("fast", "true"));
            overrides.AddRange(run.Parameters);
            if (overrides.Count == 0) return (null, null);

            var lines = new List<string> { "// Injected by nbkit: parameters from the command line." };
            foreach (var (key, value) in overrides)
            {
                if (!declared.Contains(key))
                    return (null, $"{Where(cellNumber, null)}: parameter '{key}' is not declared in the parameters cell (declared: {string.Join(", ", declared)}).");
                lines.Add($"{key} = {Literal(value)};");
            }
            var code = string.Join("\n", lines);
            var outputs = new CellOutputs();
            var failure = Submit(code, cellNumber, outputs, showResult: false);
            var cell = new JsonObject
            {
                ["cell_type"] = "code",
                ["execution_count"] = null,
                ["id"] = "injected-parameters",
                ["metadata"] = new JsonObject { ["tags"] = new JsonArray("injected-parameters") },
                ["outputs"] = outputs.Items,
                ["source"] = Notebook.Lines(code),
            };
            return (cell, failure);
        }

        static string Literal(string value)
        {
            var v = value.Trim();
            if (v is "true" or "false" || v.StartsWith('"')) return v;
            if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !v.Contains("e", StringComparison.OrdinalIgnoreCase)) return v;
            return "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        }

        string? Submit(string code, int cellNumber, CellOutputs outputs, bool showResult)
        {
            if (string.IsNullOrWhiteSpace(code)) return null;
            globals.Outputs = outputs;
            var cellOptions = scriptOptions.WithFilePath($"{Path.GetFileName(notebookPath)}#cell{cellNumber}");
            var stdout = new ConsoleCapture(Console.Out, "stdout", "    | ") { Target = outputs };
            var stderr = new ConsoleCapture(Console.Error, "stderr", "    ! ") { Target = outputs };
            var originalOut = Console.Out;
            var originalError = Console.Error;
            lock (ConsoleGate)
            {
                Console.SetOut(stdout);
                Console.SetError(stderr);
            }
            try
            {
                Exception? thrown = null;
                bool finished = thread.TryRun(() =>
                {
                    try
                    {
                        var task = state is null
                            ? CSharpScript.RunAsync<object>(code, cellOptions, globals, typeof(CellGlobals))
                            : state.ContinueWithAsync<object>(code, cellOptions);
                        state = task.GetAwaiter().GetResult();
                    }
                    catch (Exception e)
                    {
                        thrown = e;
                    }
                }, owner.options.CellTimeout);
                if (!finished)
                {
                    timedOut = true;
                    return Fail(outputs, "TimeoutError", $"{Where(cellNumber, null)}: did not finish within {owner.options.CellTimeout.TotalSeconds:0} s (--cell-timeout).", []);
                }
                if (thrown is not null) return Report(thrown, cellNumber, outputs, cellOptions.FilePath);
                if (showResult && HasResult(state!.Script))
                    outputs.AddResult(state.ReturnValue, 0);
                return null;
            }
            catch (Exception e)
            {
                return Report(e, cellNumber, outputs, cellOptions.FilePath);
            }
            finally
            {
                stdout.FlushEcho();
                stderr.FlushEcho();
                lock (ConsoleGate)
                {
                    Console.SetOut(originalOut);
                    Console.SetError(originalError);
                }
            }
        }

        string Report(Exception e, int cellNumber, CellOutputs outputs, string cellFile)
        {
            if (e is CompilationErrorException compile)
            {
                var first = compile.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) ?? compile.Diagnostics.First();
                int line = first.Location.GetLineSpan().StartLinePosition.Line + 1;
                var all = compile.Diagnostics.Select(d => $"line {d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}");
                return Fail(outputs, "CompilationError", $"{Where(cellNumber, line)}: {first.Id}: {first.GetMessage(CultureInfo.InvariantCulture)}", all);
            }
            if (e is TargetInvocationException { InnerException: { } inner }) e = inner;
            int? thrownAt = new StackTrace(e, true).GetFrames()
                .FirstOrDefault(f => f.GetFileName() == cellFile && f.GetFileLineNumber() > 0)?.GetFileLineNumber();
            return Fail(outputs, e.GetType().Name, $"{Where(cellNumber, thrownAt)}: {e.GetType().FullName}: {e.Message}",
                e.ToString().Split('\n').Select(l => l.TrimEnd('\r')));
        }

        static string Fail(CellOutputs outputs, string name, string message, IEnumerable<string> traceback)
        {
            outputs.AddError(name, message, new[] { message }.Concat(traceback));
            return message;
        }
    }

    /// <summary>True when the submission ends in an expression without a semicolon whose type is not void, as the kernel shows.</summary>
    static bool HasResult(Script script)
    {
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.Last();
        var last = ((CompilationUnitSyntax)tree.GetRoot()).Members.LastOrDefault() as GlobalStatementSyntax;
        if (last?.Statement is not ExpressionStatementSyntax { SemicolonToken.IsMissing: true } statement) return false;
        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is not null && type.SpecialType != SpecialType.System_Void;
    }

    /// <summary>The C# code of an extension.dib: its #!csharp sections (and any text before the first selector).</summary>
    static IEnumerable<string> ExtensionCode(string dibPath)
    {
        var section = new List<string>();
        bool csharp = true;
        foreach (var line in File.ReadLines(dibPath))
        {
            if (line.StartsWith("#!", StringComparison.Ordinal))
            {
                if (csharp && section.Count > 0) yield return string.Join("\n", section);
                section.Clear();
                var magic = line[2..].Trim();
                csharp = magic is "csharp" or "c#" or "C#";
                continue;
            }
            section.Add(line);
        }
        if (csharp && section.Count > 0) yield return string.Join("\n", section);
    }

    [GeneratedRegex("""^\s*(?:var|int|long|double|float|bool|string|decimal)\s+(?<name>[A-Za-z_]\w*)\s*=""", RegexOptions.Multiline)]
    private static partial Regex DeclaredNames();

    static MetadataReference[] LoadFrameworkReferences()
    {
        var dir = RuntimeEnvironment.GetRuntimeDirectory();
        var references = new List<MetadataReference>();
        foreach (var file in Directory.GetFiles(dir, "*.dll"))
        {
            try
            {
                AssemblyName.GetAssemblyName(file);
                references.Add(MetadataReference.CreateFromFile(file));
            }
            catch (BadImageFormatException)
            {
                // a native library beside the managed ones
            }
        }
        return references.ToArray();
    }

    sealed class ReferenceException(int line, string message) : Exception(message)
    {
        public int Line { get; } = line;
    }
}
