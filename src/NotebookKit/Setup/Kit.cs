using System.Runtime.InteropServices;
using NotebookKit.Display;
using TorchSharp;

namespace NotebookKit.Setup;

/// <summary>
/// The kit's entry point, called in the first cell of every notebook (introduced in 00-getting-started):
/// <code>Kit.Setup(seed: 42)</code>
/// </summary>
public static class Kit
{
    static torch.Device? device;

    /// <summary>The device every notebook and helper uses. Decided once, by <see cref="Devices.Choose()"/>.</summary>
    public static torch.Device Device => device ??= Devices.Choose();

    static readonly System.Diagnostics.Stopwatch sinceSetup = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Run time since the last <see cref="Setup"/>, for the closing line of a notebook.</summary>
    public static TimeSpan Elapsed => sinceSetup.Elapsed;

    /// <summary>The seed given to <see cref="Setup"/>.</summary>
    public static int Seed { get; private set; } = 42;

    /// <summary>.NET randomness for the notebook, seeded by <see cref="Setup"/>.</summary>
    public static Random Random { get; private set; } = new(42);

    /// <summary>
    /// Prepares a notebook: applies the Debian 12 TorchSharp fix if needed and the contention-proof
    /// <see cref="ThreadPolicy"/> (both before TorchSharp's natives load), seeds torch and .NET randomness,
    /// chooses the device, registers the formatters and returns the environment table to display.
    /// </summary>
    public static EnvironmentReport Setup(int seed = 42)
    {
        sinceSetup.Restart();
        var fixReport = ApplyNativeFix();
        Seed = seed;
        Random = new Random(seed);
        torch.random.manual_seed(seed); // the first touch of TorchSharp's natives
        ThreadPolicy.ApplyThreads();
        device = Devices.Choose();
        if (device.type == DeviceType.CUDA) torch.cuda.manual_seed_all(seed);
        Formatters.Register();
        var report = EnvironmentReport.Collect(device, seed, fixReport);
        Console.WriteLine($"NotebookKit ready: device {report.DeviceDescription}, seed {seed}");
        return report;
    }

    /// <summary>
    /// Does what must happen before TorchSharp's natives load: sets the <see cref="ThreadPolicy"/>'s native
    /// environment, and runs the Debian 12 fix on every copy of TorchSharp's native shim this process could load:
    /// beside the application, and in the NuGet cache where a notebook kernel loads it from. It only uses the
    /// TorchSharp assembly's location, never its members. The server and the tests call it first too.
    /// </summary>
    public static IReadOnlyList<string> ApplyNativeFix()
    {
        ThreadPolicy.PrepareNativeEnvironment();
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return [];
        try
        {
            return LibTorchSharpFix.Apply(NativeShimCandidates(AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location)));
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException(
                "TorchSharp's native shim needs the Debian 12 fix but is read-only here; build the kit once " +
                "(dotnet build) as the user that owns the NuGet cache, which applies it. " + e.Message, e);
        }
    }

    /// <summary>
    /// Where TorchSharp may load <c>libLibTorchSharp.so</c> from: beside an application (its bin folder), or, in a
    /// notebook kernel that loads TorchSharp from the NuGet cache, the package's native folder and the
    /// <c>lib/net8.0/cpu/</c> folder TorchSharp copies natives into.
    /// </summary>
    public static IReadOnlyList<string> NativeShimCandidates(string applicationDirectory, string? torchSharpAssemblyDirectory)
    {
        const string shim = "libLibTorchSharp.so";
        var dirs = new List<string> { applicationDirectory, Path.Combine(applicationDirectory, "runtimes", "linux-x64", "native") };
        if (!string.IsNullOrEmpty(torchSharpAssemblyDirectory))
        {
            dirs.Add(torchSharpAssemblyDirectory);
            dirs.Add(Path.Combine(torchSharpAssemblyDirectory, "cpu"));
            dirs.Add(Path.GetFullPath(Path.Combine(torchSharpAssemblyDirectory, "..", "..", "runtimes", "linux-x64", "native")));
        }
        return dirs.Select(d => Path.GetFullPath(Path.Combine(d, shim))).Distinct().ToArray();
    }
}
