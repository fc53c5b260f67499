using System.Diagnostics;
using System.Runtime.InteropServices;
using NotebookKit.Setup;

namespace NotebookKit.Compression;

/// <summary>What a latency measurement counts.</summary>
public enum TimingClock
{
    /// <summary>Wall-clock time: includes every moment the thread waited for a core on a busy machine.</summary>
    Wall,

    /// <summary>
    /// CPU time of the calling thread (Linux): what one pass costs on an idle core. On a shared machine wall-clock
    /// medians of identical models can differ several-fold while their CPU times agree (07-model-compression). Right
    /// only for work that runs on the calling thread: one intra-op thread, on the CPU.
    /// </summary>
    ThreadCpu,
}

/// <summary>Reads a <see cref="TimingClock"/> in milliseconds.</summary>
public static class TimingClocks
{
    /// <summary>True where <see cref="TimingClock.ThreadCpu"/> can be read (Linux).</summary>
    public static bool ThreadCpuAvailable { get; } = OperatingSystem.IsLinux() && ProbeThreadCpu();

    /// <summary>The thread's CPU time where available and <paramref name="onCpu"/>, else wall-clock time.</summary>
    public static TimingClock Best(bool onCpu) => onCpu && ThreadCpuAvailable ? TimingClock.ThreadCpu : TimingClock.Wall;

    /// <summary>Milliseconds on <paramref name="clock"/> since an arbitrary origin; only differences mean anything.</summary>
    public static double NowMs(TimingClock clock)
    {
        if (clock == TimingClock.Wall) return Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        if (!ThreadCpuAvailable) throw new PlatformNotSupportedException("Thread CPU time is read on Linux only; use TimingClock.Wall.");
        if (LinuxLibc.clock_gettime(LinuxLibc.ThreadCpuTimeId, out var t) != 0)
            throw new InvalidOperationException($"clock_gettime failed: errno {Marshal.GetLastPInvokeError()}");
        return t.Seconds * 1000.0 + t.Nanoseconds / 1e6;
    }

    static bool ProbeThreadCpu()
    {
        try { return LinuxLibc.clock_gettime(LinuxLibc.ThreadCpuTimeId, out _) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }
}
