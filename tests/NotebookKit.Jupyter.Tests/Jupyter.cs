using System.Diagnostics;
using System.Text.Json.Nodes;

namespace NotebookKit.Jupyter.Tests;

/// <summary>
/// Drives Jupyter as users do: Debian's python3-nbclient and python3-jupyter-client start the kernelspec that
/// scripts/install-kernel.sh installs. Kernelspecs go to a kit-local JUPYTER_PATH, never the user's own.
/// </summary>
public static class Jupyter
{
    public const string KernelName = ".net-csharp";
    public const string Python = "/usr/bin/python3";

    public static string RepoRoot { get; } = FindRoot();
    public static string Notebooks => Path.Combine(RepoRoot, "notebooks");
    public static string Scripts => Path.Combine(RepoRoot, "tests", "NotebookKit.Jupyter.Tests");

    /// <summary>The JUPYTER_PATH holding the kit's kernelspec, installed once per test run by the kit's script.</summary>
    public static string KitJupyterPath => kitJupyterPath.Value;
    static readonly Lazy<string> kitJupyterPath = new(() =>
    {
        var path = Path.Combine(RepoRoot, "artifacts", "jupyter", "kit");
        var install = Run("bash", [Path.Combine(RepoRoot, "scripts", "install-kernel.sh"), "--dir",
            Path.Combine(path, "kernels")], TimeSpan.FromMinutes(5));
        if (install.Exit != 0) throw new InvalidOperationException("scripts/install-kernel.sh failed:\n" + install.All);
        return path;
    });

    /// <summary>
    /// The kernelspec exactly as `dotnet-interactive jupyter install` writes it, except that argv runs the same
    /// local tool: the control that shows what the kit's kernelspec changes.
    /// </summary>
    public static string ReleasedJupyterPath => releasedJupyterPath.Value;
    static readonly Lazy<string> releasedJupyterPath = new(() =>
    {
        _ = KitJupyterPath;  // its script restores the local tool
        var path = Path.Combine(RepoRoot, "artifacts", "jupyter", "released");
        var kernels = Path.Combine(path, "kernels");
        Directory.CreateDirectory(kernels);
        var install = Run("dotnet", ["tool", "run", "dotnet-interactive", "--", "jupyter", "install",
            "--path", kernels], TimeSpan.FromMinutes(5));
        if (install.Exit != 0)
            throw new InvalidOperationException("dotnet-interactive jupyter install failed:\n" + install.All);
        var specFile = Path.Combine(kernels, KernelName, "kernel.json");
        var spec = JsonNode.Parse(File.ReadAllText(specFile))!;
        var argv = spec["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        if (argv[0] != "dotnet" || argv[1] != "interactive")
            throw new InvalidOperationException("unexpected argv in the released kernelspec: " + string.Join(" ", argv));
        spec["argv"] = new JsonArray([.. new[] { "dotnet", "tool", "run", "dotnet-interactive", "--" }
            .Concat(argv.Skip(2)).Select(a => JsonValue.Create(a))]);
        File.WriteAllText(specFile, spec.ToJsonString());
        return path;
    });

    /// <summary>Runs a helper script beside these tests with Debian's Python; the process tree dies at the timeout.</summary>
    public sealed record Result(int Exit, string Stdout, string Stderr)
    {
        public string All => Stdout + "\n" + Stderr;

        /// <summary>The one JSON summary line a helper script prints last on stdout.</summary>
        public JsonObject Summary =>
            Stdout.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{') && l.EndsWith('}')) is { } line
                ? (JsonObject)JsonNode.Parse(line)!
                : throw new InvalidOperationException("no JSON summary in the script's output:\n" + All);
    }

    public static Result RunScript(string jupyterPath, TimeSpan timeout, string script,
        params string[] args)
    {
        if (!File.Exists(Python)) throw new InvalidOperationException(Python + " is missing");
        return Run(Python, [Path.Combine(Scripts, script), .. args], timeout, jupyterPath);
    }

    public static Result Run(string file, string[] args, TimeSpan timeout, string? jupyterPath = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (jupyterPath is not null) start.Environment["JUPYTER_PATH"] = jupyterPath;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Path.GetFileName(args.FirstOrDefault() ?? file)} {string.Join(" ",
                args.Skip(1).Select(Path.GetFileName))} did not finish in {timeout.TotalSeconds:F0} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NotebookKit.sln"))) return dir.FullName;
        throw new InvalidOperationException("NotebookKit.sln not found above " + AppContext.BaseDirectory);
    }
}
