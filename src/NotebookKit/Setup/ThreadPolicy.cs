using System.Runtime.InteropServices;
using TorchSharp;

namespace NotebookKit.Setup;

/// <summary>
/// How libtorch uses the CPU cores, chosen so that work does not collapse when another process competes for them.
/// <para>
/// libtorch-cpu on Linux runs its parallel regions on its own libgomp (GNU OpenMP). By default a libgomp thread that
/// reaches a barrier spins for about 300,000 iterations before it sleeps. When another process holds one of the cores,
/// the thread the barrier waits for is descheduled while its partners burn the remaining time spinning: measured on
/// 2 cores, notebook 03 went from 40-51 s to 376-424 s beside one busy process. Passive waiting
/// (<c>OMP_WAIT_POLICY=PASSIVE</c>, which makes libgomp's spin count 0) sleeps at once instead.
/// </para>
/// <para>
/// libgomp reads its environment once, when it loads, and .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not change the native environment on Unix. So <see cref="PrepareNativeEnvironment"/> calls the C library's
/// <c>setenv</c>, and must run before anything loads TorchSharp's natives; <see cref="Kit.ApplyNativeFix"/> calls it.
/// </para>
/// <para>
/// Intra-op threads: one per core this process may use (<see cref="Environment.ProcessorCount"/>, which honours CPU
/// affinity and container quotas, unlike libtorch's own count), at most libtorch's default. A user's
/// <c>OMP_NUM_THREADS</c> or <c>OMP_WAIT_POLICY</c> wins; <c>NOTEBOOKKIT_THREAD_POLICY=off</c> keeps libtorch's defaults.
/// </para>
/// </summary>
public static class ThreadPolicy
{
    public const string SwitchVariable = "NOTEBOOKKIT_THREAD_POLICY";
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string ThreadsVariable = "OMP_NUM_THREADS";
    public const string PassiveWait = "PASSIVE";

    static readonly object Gate = new();
    static string? waitDescription;

    /// <summary>False when <c>NOTEBOOKKIT_THREAD_POLICY=off</c>: libtorch keeps its own defaults.</summary>
    public static bool Enabled =>
        !string.Equals(Environment.GetEnvironmentVariable(SwitchVariable)?.Trim(), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Sets passive OpenMP waiting in the native environment, unless the user chose a wait policy or the policy is off.
    /// Idempotent. Says in <see cref="Describe"/> when it came too late: libtorch already loaded in this process.
    /// </summary>
    public static void PrepareNativeEnvironment()
    {
        lock (Gate)
        {
            if (waitDescription is not null) return;
            string? userWait = NativeGetenv(WaitPolicyVariable);
            if (!Enabled) waitDescription = "libtorch defaults (" + SwitchVariable + "=off)";
            else if (!string.IsNullOrWhiteSpace(userWait)) waitDescription = $"{WaitPolicyVariable}={userWait} (yours)";
            else if (LibTorchLoaded())
                waitDescription = "spinning: libtorch loaded before Kit.Setup set passive waiting; restart the kernel and run the setup cell first";
            else
            {
                NativeSetenv(WaitPolicyVariable, PassiveWait);
                waitDescription = $"passive waiting ({WaitPolicyVariable}={PassiveWait})";
            }
        }
    }

    /// <summary>
    /// The intra-op thread count for this machine: <see cref="Environment.ProcessorCount"/>, at most
    /// <paramref name="libTorchDefault"/>; null when the user's <c>OMP_NUM_THREADS</c> decides or the policy is off.
    /// </summary>
    public static int? ChooseThreads(int libTorchDefault, string? userThreads, bool enabled) =>
        !enabled || !string.IsNullOrWhiteSpace(userThreads) ? null
        : Math.Max(1, Math.Min(Environment.ProcessorCount, libTorchDefault));

    static int? libTorchDefaultThreads;

    /// <summary>Sets libtorch's intra-op thread count by <see cref="ChooseThreads"/>. Loads TorchSharp's natives.</summary>
    public static void ApplyThreads()
    {
        PrepareNativeEnvironment();
        lock (Gate)
        {
            libTorchDefaultThreads ??= torch.get_num_threads();
            if (ChooseThreads(libTorchDefaultThreads.Value, NativeGetenv(ThreadsVariable), Enabled) is int n
                && torch.get_num_threads() != n)
                torch.set_num_threads(n);
        }
    }

    /// <summary>One line for the environment table: threads and how their idle time is spent.</summary>
    public static string Describe()
    {
        PrepareNativeEnvironment();
        string? userThreads = NativeGetenv(ThreadsVariable);
        string threads = !string.IsNullOrWhiteSpace(userThreads) ? $"{ThreadsVariable}={userThreads} (yours)"
            : Enabled ? $"{torch.get_num_threads()} of {Environment.ProcessorCount} cores" : $"{torch.get_num_threads()} (libtorch default)";
        return $"{threads}, {waitDescription}";
    }

    /// <summary>True when libtorch's OpenMP runtime is already mapped into this process (Linux; elsewhere unknown: false).</summary>
    public static bool LibTorchLoaded()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
                if (line.Contains("libgomp", StringComparison.Ordinal) || line.Contains("libtorch_cpu", StringComparison.Ordinal))
                    return true;
        }
        catch (IOException) { }
        return false;
    }

    /// <summary>The variable as native code (libgomp) reads it: the C library's environment on Unix.</summary>
    public static string? NativeGetenv(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name);
        var pointer = OperatingSystem.IsLinux() ? LinuxLibc.getenv(name) : Libc.getenv(name);
        return pointer == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(pointer);
    }

    static void NativeSetenv(string name, string value)
    {
        if (!OperatingSystem.IsWindows())
        {
            int result = OperatingSystem.IsLinux() ? LinuxLibc.setenv(name, value, 1) : Libc.setenv(name, value, 1);
            if (result != 0) throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        Environment.SetEnvironmentVariable(name, value); // .NET's own view, and child processes it starts
    }

    static class Libc
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

        [DllImport("libc")]
        internal static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    }
}
