using System.Runtime.CompilerServices;
using NotebookKit.Setup;
using TorchSharp;

namespace NotebookKit.Tests.Setup;

/// <summary>
/// The test assembly's entry point (GenerateProgramFile is off). <c>dotnet NotebookKit.Tests.dll --thread-policy-probe</c>
/// is a fresh process for <see cref="ThreadPolicyTests"/>: libgomp reads its environment once, when it loads, so only a
/// process that has not loaded libtorch yet can show what Kit.Setup sets.
/// </summary>
public static class ThreadPolicyProbe
{
    public const string Argument = "--thread-policy-probe";

    public static int Main(string[] args)
    {
        if (args is not [Argument])
        {
            Console.Error.WriteLine($"NotebookKit.Tests runs under dotnet test; {Argument} is the thread policy tests' child process.");
            return 2;
        }
        var report = Kit.Setup(seed: 1);
        Console.WriteLine("policy: " + report.ThreadPolicy);
        Console.WriteLine("intra-op threads: " + torch.get_num_threads());
        Console.WriteLine("native OMP_WAIT_POLICY: " + (ThreadPolicy.NativeGetenv("OMP_WAIT_POLICY") ?? "(unset)"));
        return 0;
    }

    /// <summary>The tests run libtorch too: the policy goes in before any test can load it, as in a notebook.</summary>
    [ModuleInitializer]
    internal static void BeforeAnyTest() => Kit.ApplyNativeFix();
}
