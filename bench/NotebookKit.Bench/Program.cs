using System.Globalization;
using System.Runtime.InteropServices;
using NotebookKit.Bench;

// Usage: bench/run.sh [--quick] [group ...]   (no group: all groups; "contention" takes about 15 minutes)
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == ContentionBench.GpStudyArgument) // a child of the contention group
{
    ContentionBench.RunGpStudy(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40);
    return 0;
}
bool quick = args.Contains("--quick");
var wanted = args.Where(a => !a.StartsWith("--")).ToHashSet(StringComparer.OrdinalIgnoreCase);
var root = FindRoot();
NotebookKit.Setup.Kit.Setup(seed: 0);

var groups = typeof(IBenchmarkGroup).Assembly.GetTypes()
    .Where(t => typeof(IBenchmarkGroup).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
    .Select(t => (IBenchmarkGroup)Activator.CreateInstance(t)!)
    .Where(g => wanted.Count == 0 || wanted.Contains(g.Name))
    .OrderBy(g => g.Name).ToList();
if (groups.Count == 0)
{
    Console.Error.WriteLine("no benchmark group matches " + string.Join(", ", wanted));
    return 2;
}

Console.WriteLine($"# NotebookKit benchmarks, {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
foreach (var group in groups)
{
    Console.WriteLine();
    Console.WriteLine($"## {group.Name}");
    Console.WriteLine();
    Console.WriteLine("| benchmark | kit | anchor | anchor time | speed-up | note |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach (var r in group.Run(new BenchOptions(quick, root)))
        Console.WriteLine($"| {r.Benchmark} | {Measure.Format(r.KitSeconds)} | {r.Anchor} | {(r.AnchorSeconds is double a ? Measure.Format(a) : "-")} | {(r.Speedup is double s ? s.ToString("0.0") + "x" : "-")} | {r.Note} |");
}
return 0;

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "NotebookKit.sln"))) return dir.FullName;
    throw new InvalidOperationException("NotebookKit.sln not found");
}
