using NotebookKit.Setup;

namespace NotebookKit.Serving.Operations;

/// <summary>
/// Returns freed tensor memory to the OS. libtorch allocates tensors with glibc's malloc. glibc raises its mmap
/// threshold each time a large block is freed (up to 32 MB), so after a few large requests their tensors come from
/// per-thread arenas, which keep freed blocks and do not shrink: RSS grew by 20 MB over 400 requests of 2,500 rows
/// and stayed there. Fixing the threshold at glibc's own default (128 KiB) turns off that raise: large blocks are
/// mapped and unmapped per use, small ones still come from the arenas. Linux with glibc only; elsewhere a no-op.
/// </summary>
internal static class NativeHeap
{
    public const int LargeBlockBytes = 128 * 1024;
    static int applied;

    /// <summary>Fixes the threshold once per process; true when glibc accepted it.</summary>
    public static bool ReturnLargeBlocks()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref applied, 1) == 1) return false;
        try { return LinuxLibc.mallopt(LinuxLibc.MmapThreshold, LargeBlockBytes) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; } // musl
    }
}
