using System.Diagnostics;
using System.IO.Compression;
using NotebookKit.Setup;

namespace NotebookKit.Tests.Setup;

public class LibTorchSharpFixTests
{
    static string NugetRoot => Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The shim exactly as shipped, taken from the package archive (the cache copy is already fixed).</summary>
    static string ExtractOriginalShim()
    {
        var nupkg = Path.Combine(NugetRoot, "torchsharp", "0.107.0", "torchsharp.0.107.0.nupkg");
        Assert.True(File.Exists(nupkg), "TorchSharp package archive not in the NuGet cache: " + nupkg);
        var target = Path.Combine(Path.GetTempPath(), $"nbkit-shim-{Guid.NewGuid():N}.so");
        using var zip = ZipFile.OpenRead(nupkg);
        zip.GetEntry("runtimes/linux-x64/native/libLibTorchSharp.so")!.ExtractToFile(target);
        return target;
    }

    /// <summary>Asks binutils' readelf, an independent ELF reader, for the flags of the GLIBCXX_3.4.32 need.</summary>
    static string ReadElfFlags(string path)
    {
        var start = new ProcessStartInfo("readelf", $"-V \"{path}\"") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').Single(l => l.Contains("Name: GLIBCXX_3.4.32"));
        return line[(line.IndexOf("Flags:") + 6)..].Trim().Split(' ')[0];
    }

    [Fact]
    public void Patching_marks_only_the_GLIBCXX_3_4_32_need_weak_and_is_idempotent()
    {
        if (!OperatingSystem.IsLinux()) return;
        var shim = ExtractOriginalShim();
        try
        {
            var original = File.ReadAllBytes(shim);
            Assert.Equal("none", ReadElfFlags(shim));

            Assert.Equal("patched", LibTorchSharpFix.PatchFile(shim));
            Assert.Equal("WEAK", ReadElfFlags(shim));
            var patched = File.ReadAllBytes(shim);
            Assert.Equal(original.Length, patched.Length);
            Assert.Single(Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]));

            Assert.Equal("already weak", LibTorchSharpFix.PatchFile(shim));
            Assert.Equal(patched, File.ReadAllBytes(shim));
        }
        finally
        {
            File.Delete(shim);
        }
    }

    [Fact]
    public void A_file_that_is_not_ELF_is_refused_with_a_clear_error()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "not a shared library");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => LibTorchSharpFix.PatchFile(path));
            Assert.Contains("not an ELF file", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_fix_is_needed_exactly_when_system_libstdcxx_lacks_GLIBCXX_3_4_32()
    {
        if (!OperatingSystem.IsLinux()) return;
        var libstdcxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" }.FirstOrDefault(File.Exists);
        if (libstdcxx is null) return;
        var start = new ProcessStartInfo("strings", libstdcxx) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        bool has = process.StandardOutput.ReadToEnd().Split('\n').Any(l => l.Trim() == "GLIBCXX_3.4.32");
        process.WaitForExit();
        Assert.Equal(!has, LibTorchSharpFix.IsNeeded());
    }
}

public class NativeShimCandidatesTests
{
    [Fact]
    public void A_kernel_loading_TorchSharp_from_the_NuGet_cache_gets_the_package_and_cpu_copies_fixed()
    {
        var cache = Path.Combine(Path.GetTempPath(), "nuget", "torchsharp", "0.107.0");
        var candidates = Kit.NativeShimCandidates("/kernel/bin", Path.Combine(cache, "lib", "net8.0"));
        Assert.Contains(Path.Combine(cache, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), candidates);
        Assert.Contains(Path.Combine(cache, "lib", "net8.0", "cpu", "libLibTorchSharp.so"), candidates);
        Assert.Contains("/kernel/bin/libLibTorchSharp.so", candidates);
    }
}
