using System.Text.Json;

namespace NotebookKit.Runner;

/// <summary>A package a notebook may reference: its assemblies and, if it has one, its extension.dib.</summary>
public sealed record CarriedPackage(string Id, string Version, IReadOnlyList<string> Assemblies, string? ExtensionDib);

/// <summary>
/// Resolves <c>#r "nuget: Id, Version"</c> against the packages the runner carries (its own deps.json), with an
/// exact version match, plus any extra folders of extracted packages (<c>--packages DIR</c>, laid out id/version/).
/// </summary>
public sealed class PackageCatalog
{
    readonly Dictionary<string, (string Version, string[] Assemblies, string[] Dependencies)> carried = new(StringComparer.OrdinalIgnoreCase);
    readonly IReadOnlyList<string> extraFolders;
    readonly string nugetRoot;

    public PackageCatalog(IEnumerable<string>? extraFolders = null, string? depsJsonPath = null)
    {
        this.extraFolders = (extraFolders ?? []).Select(Path.GetFullPath).ToArray();
        nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        depsJsonPath ??= Path.Combine(AppContext.BaseDirectory, "nbkit.deps.json");
        if (File.Exists(depsJsonPath)) ReadDeps(depsJsonPath);
    }

    public IEnumerable<string> CarriedIds => carried.Keys.OrderBy(k => k);

    void ReadDeps(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var libraries = doc.RootElement.GetProperty("libraries");
        foreach (var target in doc.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var lib in target.Value.EnumerateObject())
            {
                if (!libraries.TryGetProperty(lib.Name, out var info) || info.GetProperty("type").GetString() != "package") continue;
                var slash = lib.Name.IndexOf('/');
                var id = lib.Name[..slash];
                var version = lib.Name[(slash + 1)..];
                var assemblies = lib.Value.TryGetProperty("runtime", out var runtime)
                    ? runtime.EnumerateObject().Select(a => Path.Combine(AppContext.BaseDirectory, Path.GetFileName(a.Name)))
                        .Where(File.Exists).ToArray()
                    : [];
                var dependencies = lib.Value.TryGetProperty("dependencies", out var deps)
                    ? deps.EnumerateObject().Select(d => d.Name).ToArray() : [];
                carried[id] = (version, assemblies, dependencies);
            }
        }
    }

    /// <summary>Resolves a package and its dependencies; throws <see cref="PackageResolutionException"/> naming the problem.</summary>
    public CarriedPackage Resolve(string id, string? version)
    {
        if (string.IsNullOrWhiteSpace(version))
            throw new PackageResolutionException($"#r \"nuget: {id}\" has no version: pin it, as in #r \"nuget: {id}, <version>\".");

        foreach (var folder in extraFolders)
        {
            var packageDir = Path.Combine(folder, id.ToLowerInvariant(), version);
            if (!Directory.Exists(packageDir)) packageDir = Path.Combine(folder, id, version);
            if (Directory.Exists(packageDir)) return FromFolder(id, version, packageDir);
        }

        if (!carried.TryGetValue(id, out var entry))
            throw new PackageResolutionException(
                $"Package '{id}' is not carried by nbkit. Carried packages include: {string.Join(", ", TopLevelHint())}.");
        if (!string.Equals(entry.Version, version, StringComparison.OrdinalIgnoreCase))
            throw new PackageResolutionException(
                $"Package '{id}' version {version} was asked for, but nbkit carries {id} {entry.Version}: pin {entry.Version}.");

        var assemblies = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([id]);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!seen.Add(next) || !carried.TryGetValue(next, out var dep)) continue;
            assemblies.AddRange(dep.Assemblies);
            foreach (var d in dep.Dependencies) pending.Push(d);
        }
        var dib = Path.Combine(nugetRoot, id.ToLowerInvariant(), entry.Version, "interactive-extensions", "dotnet", "extension.dib");
        return new CarriedPackage(id, entry.Version, assemblies.Distinct().ToArray(), File.Exists(dib) ? dib : null);
    }

    static CarriedPackage FromFolder(string id, string version, string dir)
    {
        var lib = Path.Combine(dir, "lib");
        string[] assemblies = [];
        if (Directory.Exists(lib))
        {
            var frameworks = new[] { "net10.0", "net9.0", "net8.0", "net7.0", "net6.0", "netstandard2.1", "netstandard2.0" };
            var chosen = frameworks.Select(f => Path.Combine(lib, f)).FirstOrDefault(Directory.Exists);
            if (chosen is not null) assemblies = Directory.GetFiles(chosen, "*.dll");
        }
        var dib = Path.Combine(dir, "interactive-extensions", "dotnet", "extension.dib");
        return new CarriedPackage(id, version, assemblies, File.Exists(dib) ? dib : null);
    }

    IEnumerable<string> TopLevelHint() =>
        new[] { "TorchSharp-cpu", "TorchSharp", "Microsoft.Data.Analysis", "Plotly.NET", "Microsoft.ML", "Microsoft.ML.OnnxRuntime", "Microsoft.DotNet.Interactive.Formatting" }
            .Where(carried.ContainsKey).Select(i => $"{i} {carried[i].Version}");
}

public sealed class PackageResolutionException(string message) : Exception(message);
