using System.Runtime.InteropServices;

namespace NotebookKit.Setup;

/// <summary>The few libc calls the kit makes on Linux. "libc" alone would find Debian's libc.so linker script
/// (libc6-dev), which dlopen cannot load, hence the versioned name.</summary>
internal static class LinuxLibc
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec { public long Seconds; public long Nanoseconds; }

    internal const int ThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID

    [DllImport("libc.so.6", SetLastError = true)]
    internal static extern int clock_gettime(int clockId, out TimeSpec time);

    [DllImport("libc.so.6", SetLastError = true)]
    internal static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    internal const int MmapThreshold = -3; // M_MMAP_THRESHOLD in glibc's malloc.h

    [DllImport("libc.so.6")]
    internal static extern int mallopt(int param, int value);

    [DllImport("libc.so.6")]
    internal static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
