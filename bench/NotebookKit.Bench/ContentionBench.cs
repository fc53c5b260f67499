using System.Diagnostics;
using NotebookKit.Setup;
using NotebookKit.Tuning;

namespace NotebookKit.Bench;

/// <summary>
/// Does libtorch work collapse when another process wants a core? Runs notebook 03 (fast, through nbkit) and a GP
/// study (GpSampler on Hartmann-6) in child processes, each alone and beside one CPU-bound competitor (a shell busy
/// loop), with the kit's <see cref="ThreadPolicy"/> off (libtorch's defaults: spinning OpenMP threads) and on.
/// Targets: beside a competitor at most 2x the time alone; alone with the policy at most 5% slower than without.
/// Every child starts without the caller's OMP_* variables, so the only difference between runs is the policy.
/// </summary>
public sealed class ContentionBench : IBenchmarkGroup
{
    public string Name => "contention";

    /// <summary>The child entry point: <c>NotebookKit.Bench --gp-study [trials]</c>.</summary>
    public const string GpStudyArgument = "--gp-study";

    /// <summary>The GP study the children run: Kit.Setup (which applies the policy) then GpSampler on Hartmann-6.</summary>
    public static void RunGpStudy(int trials)
    {
        Kit.Setup(seed: 0);
        var study = Study.Create(direction: StudyDirection.Minimize, sampler: new GpSampler(seed: 0, deterministicObjective: true));
        study.Optimize(TuningBench.HartmannObjective, nTrials: trials);
        Console.WriteLine($"best {study.BestValue:0.0000} after {trials} trials");
    }

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        var root = options.RepoRoot;
        Console.WriteLine($"load before: {Uptime()}");
        Build(root, "src/NotebookKit.Runner");
        string nbkit = Directory.GetFiles(Path.Combine(root, "src", "NotebookKit.Runner", "bin", "Release"), "nbkit.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
        string outDir = Path.Combine(Path.GetTempPath(), $"nbkit-contention-{Environment.ProcessId}");
        var workloads = new (string Name, string[] Args)[]
        {
            ("GP study (Hartmann-6)", [typeof(ContentionBench).Assembly.Location, GpStudyArgument, options.Quick ? "25" : "40"]),
            ("notebook 03 fast", [nbkit, "run", Path.Combine(root, "notebooks", "03-optimizers.ipynb"), "--fast", "--out", outDir]),
        };
        foreach (var (name, args) in workloads)
        {
            // Interleaved so that drift in the machine's background load hits both policies alike.
            double offAlone = Time(args, policy: false, competitor: false);
            double onAlone = Time(args, policy: true, competitor: false);
            double onBusy = Time(args, policy: true, competitor: true);
            double offBusy = Time(args, policy: false, competitor: true);
            yield return new BenchResult($"{name}, policy off, alone", offAlone, null, "-", "libtorch defaults: today's behaviour");
            yield return new BenchResult($"{name}, policy on, alone", onAlone, offAlone, "policy off, alone",
                $"{Ratio(onAlone, offAlone, "0.00")} the time without the policy (target <= 1.05x)");
            yield return new BenchResult($"{name}, policy off, beside a busy loop", offBusy, offAlone, "policy off, alone",
                $"{Ratio(offBusy, offAlone, "0.0")} the time alone");
            yield return new BenchResult($"{name}, policy on, beside a busy loop", onBusy, onAlone, "policy on, alone",
                $"{Ratio(onBusy, onAlone, "0.0")} the time alone (target <= 2x)");
        }
        Console.WriteLine($"load after: {Uptime()}");
        try { Directory.Delete(outDir, recursive: true); } catch (IOException) { }
    }

    static string Ratio(double a, double b, string format) => double.IsNaN(a) || double.IsNaN(b) ? "-" : (a / b).ToString(format) + "x";

    /// <summary>Wall-clock seconds of one child run, or NaN (with the reason printed) when it fails: a broken run is never a number.</summary>
    static double Time(string[] args, bool policy, bool competitor)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var name in new[] { ThreadPolicy.ThreadsVariable, ThreadPolicy.WaitPolicyVariable, "GOMP_SPINCOUNT", "MKL_NUM_THREADS" })
            start.Environment.Remove(name);
        start.Environment[ThreadPolicy.SwitchVariable] = policy ? "on" : "off";
        using var busy = competitor ? BusyLoop() : null;
        try
        {
            var clock = Stopwatch.StartNew();
            using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            child.WaitForExit();
            double seconds = clock.Elapsed.TotalSeconds;
            if (child.ExitCode != 0)
            {
                Console.WriteLine($"  FAILED after {seconds:0.0} s ({child.ExitCode}): {string.Join(' ', args)}\n{stderr.Result}{stdout.Result[^Math.Min(2000, stdout.Result.Length)..]}");
                return double.NaN;
            }
            Console.WriteLine($"  {Path.GetFileName(args[0])} {args[1]}: policy {(policy ? "on" : "off")}, {(competitor ? "beside a busy loop" : "alone")}: {seconds:0.0} s");
            return seconds;
        }
        finally
        {
            if (busy is not null && !busy.HasExited) busy.Kill(entireProcessTree: true);
        }
    }

    /// <summary>One CPU-bound competitor: a shell loop that never sleeps, as a second busy program on the machine would.</summary>
    static Process BusyLoop() =>
        Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })
        ?? throw new InvalidOperationException("cannot start /bin/sh");

    static void Build(string root, string project)
    {
        var start = new ProcessStartInfo("dotnet", ["build", Path.Combine(root, project), "-c", "Release", "-nologo", "-v", "q"])
        { UseShellExecute = false, RedirectStandardOutput = true };
        using var build = Process.Start(start)!;
        string output = build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0) throw new InvalidOperationException($"building {project} failed:\n{output}");
    }

    static string Uptime() => File.Exists("/proc/loadavg") ? "loadavg " + File.ReadAllText("/proc/loadavg").Trim() : "unknown";
}
