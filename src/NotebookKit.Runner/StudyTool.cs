using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace NotebookKit.Runner;

/// <summary>
/// <c>nbkit study</c> runs nbkit-study (src/NotebookKit.Runner.Study) as a child process with the same console:
/// reading a study needs the kit and TorchSharp, which nbkit must never load itself, since the notebooks it hosts
/// load their own (the kernel resolves an assembly nbkit already holds to nbkit's copy).
/// </summary>
static class StudyTool
{
    public static int Run(string[] args)
    {
        var tool = typeof(StudyTool).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "StudyToolPath").Value!;
        if (!File.Exists(tool)) throw new UsageException($"nbkit-study is not built at {tool}: dotnet build src/NotebookKit.Runner");
        // The dotnet host of the runtime nbkit runs on: <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        var start = new ProcessStartInfo(File.Exists(host) ? host : "dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(tool);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start nbkit-study");
        process.WaitForExit();
        return process.ExitCode;
    }
}
