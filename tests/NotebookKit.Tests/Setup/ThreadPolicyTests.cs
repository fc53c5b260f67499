using System.Diagnostics;
using NotebookKit.Setup;

namespace NotebookKit.Tests.Setup;

/// <summary>
/// The thread policy as libgomp itself sees it: each case starts a fresh process (<see cref="ThreadPolicyProbe"/>) with
/// <c>OMP_DISPLAY_ENV=VERBOSE</c>, which makes libtorch's libgomp print the settings it loaded with. Passive waiting
/// shows as <c>GOMP_SPINCOUNT = '0'</c>; libgomp's default spin count is 300000.
/// </summary>
public class ThreadPolicyTests
{
    static (string Stdout, string Stderr) Probe(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(ThreadPolicyProbe).Assembly.Location);
        start.ArgumentList.Add(ThreadPolicyProbe.Argument);
        // The test run's own settings (scripts/test.sh sets OMP_NUM_THREADS=1) must not decide the outcome.
        foreach (var name in new[] { "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", ThreadPolicy.SwitchVariable })
            start.Environment.Remove(name);
        start.Environment["OMP_DISPLAY_ENV"] = "VERBOSE";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the probe did not finish");
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);
        return (stdout.Result, stderr.Result);
    }

    [Fact]
    public void Kit_Setup_makes_libtorch_openmp_threads_wait_passively_before_libtorch_loads()
    {
        var (stdout, stderr) = Probe();
        Assert.Contains("GOMP_SPINCOUNT = '0'", stderr);
        Assert.Contains("policy: ", stdout);
        Assert.Contains("passive waiting (OMP_WAIT_POLICY=PASSIVE)", stdout);
        Assert.Contains("native OMP_WAIT_POLICY: PASSIVE", stdout);
        int threads = int.Parse(stdout.Split('\n').Single(l => l.StartsWith("intra-op threads: "))["intra-op threads: ".Length..]);
        Assert.InRange(threads, 1, Environment.ProcessorCount);
    }

    [Fact]
    public void Without_the_policy_libgomp_spins_with_its_default_count()
    {
        var (stdout, stderr) = Probe((ThreadPolicy.SwitchVariable, "off"));
        Assert.Contains("GOMP_SPINCOUNT = '300000'", stderr);
        Assert.Contains("libtorch defaults", stdout);
        Assert.Contains("native OMP_WAIT_POLICY: (unset)", stdout);
    }

    [Fact]
    public void A_users_OMP_NUM_THREADS_and_wait_policy_win()
    {
        var (stdout, stderr) = Probe(("OMP_NUM_THREADS", "1"), ("OMP_WAIT_POLICY", "active"));
        Assert.Contains("OMP_NUM_THREADS = '1'", stderr);
        Assert.DoesNotContain("GOMP_SPINCOUNT = '0'", stderr);
        Assert.Contains("intra-op threads: 1", stdout);
        Assert.Contains("OMP_NUM_THREADS=1 (yours), OMP_WAIT_POLICY=active (yours)", stdout);
    }

    [Fact]
    public void The_thread_count_is_the_cores_this_process_may_use_at_most_libtorchs_default()
    {
        Assert.Equal(Math.Min(Environment.ProcessorCount, 2), ThreadPolicy.ChooseThreads(2, null, enabled: true));
        Assert.Equal(Environment.ProcessorCount, ThreadPolicy.ChooseThreads(4096, null, enabled: true));
        Assert.Null(ThreadPolicy.ChooseThreads(2, "1", enabled: true));
        Assert.Null(ThreadPolicy.ChooseThreads(2, null, enabled: false));
    }

    [Fact]
    public void The_environment_table_shows_the_thread_policy()
    {
        var report = Kit.Setup(seed: 3);
        Assert.Contains(report.ThreadPolicy, report.ToPlainText());
        Assert.Matches("threads .*(cores|yours|libtorch default)", report.ToPlainText());
    }
}
