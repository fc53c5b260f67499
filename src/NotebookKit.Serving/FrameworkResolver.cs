using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NotebookKit.Serving;

/// <summary>
/// Lets a notebook host the server in-process. A notebook kernel is a console process without the ASP.NET Core
/// shared framework on its probing path, so when this assembly loads we resolve Microsoft.AspNetCore.* and
/// Microsoft.Extensions.* from the installed shared framework (same major version as the runtime), and our own
/// dependencies (prometheus-net) from beside this assembly. In an ASP.NET Core process the handler never fires.
/// </summary>
static class FrameworkResolver
{
    [ModuleInitializer]
    internal static void Install() => AppDomain.CurrentDomain.AssemblyResolve += Resolve;

    static string? aspNetDir;

    static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name is null) return null;
        // The kit, TorchSharp and ONNX Runtime are already loaded by the notebook from their own folders.
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
            if (loaded.GetName().Name == name) return loaded;
        var here = Path.GetDirectoryName(typeof(FrameworkResolver).Assembly.Location);
        foreach (var dir in new[] { here, AspNetDirectory() })
        {
            if (string.IsNullOrEmpty(dir)) continue;
            var path = Path.Combine(dir, name + ".dll");
            if (File.Exists(path)) return Assembly.LoadFrom(path);
        }
        return null;
    }

    static string? AspNetDirectory()
    {
        if (aspNetDir is not null) return aspNetDir;
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        var shared = Path.GetDirectoryName(Path.GetDirectoryName(runtime));
        if (shared is null) return null;
        var root = Path.Combine(shared, "Microsoft.AspNetCore.App");
        if (!Directory.Exists(root)) return null;
        var major = Environment.Version.Major + ".";
        var exact = Path.Combine(root, Path.GetFileName(runtime));
        aspNetDir = Directory.Exists(exact) ? exact
            : Directory.GetDirectories(root).Where(d => Path.GetFileName(d).StartsWith(major, StringComparison.Ordinal))
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version()).FirstOrDefault();
        return aspNetDir;
    }
}
