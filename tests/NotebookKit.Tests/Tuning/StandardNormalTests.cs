using System.Text.Json;
using NotebookKit.Tuning;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Tuning;

/// <summary>The log-space normal tails stay correct while the garbage collector runs beside them.</summary>
public class StandardNormalTests
{
    [Fact]
    public async Task Log_h_in_the_tail_survives_garbage_collections_on_another_thread()
    {
        // A Scalar made implicitly from a double lives only as long as the garbage collector allows: finalised during
        // the native call that reads it, it made libtorch fail with "toDouble" (seen in GP studies of 60 floats).
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/log_ei_mpmath.json"))).RootElement;
        var z = doc.GetProperty("z").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expected = doc.GetProperty("log_h").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        });
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                using var scope = NewDisposeScope();
                var logH = GaussianProcess.LogH(tensor(z, float64)).data<double>().ToArray();
                for (int k = 0; k < z.Length; k++) Assert.Equal(expected[k], logH[k], Math.Abs(expected[k]) * 1e-9 + 1e-9);
            }
        }
        finally
        {
            stop.Cancel();
            await collector;
        }
    }
}
