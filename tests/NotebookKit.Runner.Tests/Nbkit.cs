using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace NotebookKit.Runner.Tests;

/// <summary>Runs the real nbkit command line, as users and CI do.</summary>
public static class Nbkit
{
    public static string RepoRoot { get; } = FindRoot();
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "NotebookKit.Runner.Tests", "Fixtures");
    public static string Fixture(string name) => Path.Combine(Fixtures, name);

    static string Path_ => typeof(Nbkit).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NbkitPath").Value!;

    public sealed record Result(int ExitCode, string Stdout, string Stderr, string OutDir)
    {
        public string All => Stdout + "\n" + Stderr;
        public JsonObject Notebook(string name) => (JsonObject)JsonNode.Parse(File.ReadAllText(System.IO.Path.Combine(OutDir, name + ".ipynb")))!;
    }

    public static Result Run(params string[] args)
    {
        var outDir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nbkit-tests", Guid.NewGuid().ToString("N"));
        return Invoke(args[0] == "run" ? [.. args, "--out", outDir] : args, outDir);
    }

    public static Result Invoke(string[] args, string outDir)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoRoot };
        start.ArgumentList.Add(Path_);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(12)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("nbkit did not finish in 12 minutes: " + string.Join(" ", args));
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result, outDir);
    }

    public static JsonArray Cells(JsonObject notebook) => (JsonArray)notebook["cells"]!;

    public static IEnumerable<JsonObject> Outputs(JsonObject notebook, int cellIndex) =>
        ((JsonArray)Cells(notebook)[cellIndex]!["outputs"]!).Select(o => (JsonObject)o!);

    public static string Text(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(l => l!.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "NotebookKit.sln"))) return dir.FullName;
        throw new InvalidOperationException("NotebookKit.sln not found");
    }

    /// <summary>Validates with Debian's python3-nbformat, the real validator. Returns its error text, or null.</summary>
    public static string? ValidateWithNbformat(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))");
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : error;
    }
}
