namespace NotebookKit.Tests.Setup;

/// <summary>
/// No temporary TorchSharp Scalar reaches libtorch from the kit's loops: a garbage collection on another thread could
/// free it while libtorch reads it (src/NotebookKit/Setup/Held.cs).
/// </summary>
public class HeldScalarTests
{
    /// <summary>Kit code that calls libtorch many times per suggestion, batch or request.</summary>
    static readonly string[] HotPaths =
    [
        "src/NotebookKit/Tuning/StandardNormal.cs",
        "src/NotebookKit/Tuning/Gp/GaussianProcess.cs",
        "src/NotebookKit/Tuning/Tpe/ParzenEstimator.cs",
        "src/NotebookKit/Tuning/Samplers/GpSampler.cs",
        "src/NotebookKit/Tuning/Samplers/TpeSampler.cs",
        "src/NotebookKit/Tuning/Samplers/SpaceEncoding.cs",
        "src/NotebookKit/Training/Trainer.cs",
        "src/NotebookKit/Training/Keras.cs",
        "src/NotebookKit/Metrics/Streaming.cs",
        "src/NotebookKit/Text/TextModels.cs",
        "src/NotebookKit/Compression/QuantizedLayers.cs",
        "src/NotebookKit/Compression/Distillation.cs",
        "src/NotebookKit/Compression/Quantization.cs",
        "src/NotebookKit/Text/QuantizedEmbeddingBag.cs",
    ];

    static IEnumerable<(string Path, string Text)> KitSources()
    {
        var root = Path.Combine(TestPaths.RepoRoot, "src", "NotebookKit");
        return Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(TestPaths.RepoRoot, f).Replace('\\', '/'))
            .Where(p => !p.Contains("/obj/") && !p.Contains("/bin/"))
            .Select(p => (p, File.ReadAllText(Path.Combine(TestPaths.RepoRoot, p))));
    }

    [Fact]
    public void No_temporary_scalar_reaches_libtorch_from_the_hot_paths()
    {
        var findings = ScalarScan.Find(KitSources(), HotPaths);
        Assert.True(findings.Count == 0, "Temporary TorchSharp Scalars: write Held.Of(constant), x * x, a.Plus(b), s.Minus(t), " +
            "or 'using var s = value.ToScalar();' (src/NotebookKit/Setup/Held.cs)\n" + string.Join("\n", findings));
    }

    [Fact]
    public void The_scan_names_every_kind_of_temporary_scalar_and_passes_the_held_ones()
    {
        const string sample = """
            using NotebookKit.Setup;
            using TorchSharp;
            using static TorchSharp.torch;
            static class Sample
            {
                const double Half = 0.5;
                static Tensor Run(Tensor t, Tensor u, double v)
                {
                    var a = t * 0.5;                 // flagged: a number operand
                    var b = Half * t;                // flagged: a named constant
                    var c = t * v;                   // flagged: a variable
                    var d = t.square();              // flagged: pow(2)
                    var e = t + u;                   // flagged: alpha 1
                    var f = 1.0 - t;                 // flagged: a number operand
                    var g = t > 0.0;                 // flagged: an implicit conversion
                    var h = t.clamp_min(v);          // flagged: an implicit conversion
                    t.add_(u);                       // flagged: alpha 1
                    Scalar held = Held.Of(2.0);
                    var i = u - held;
                    i -= t;
                    i += t;                          // flagged: alpha 1
                    using var s = v.ToScalar();
                    var ok = (t * Held.Of(0.5) - s).Plus((t * t).Plus(u)).PlusInPlace(Held.Of(1.0)) > s;
                    return held.Minus(t).Plus(s) / s - held / t;
                }
            }
            """;
        var held = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src/NotebookKit/Setup/Held.cs"));
        var findings = ScalarScan.Find([("Sample.cs", sample), ("Held.cs", held)], ["Sample.cs"]);
        var lines = sample.Split('\n');
        var flagged = Enumerable.Range(1, lines.Length).Where(n => lines[n - 1].Contains("// flagged")).ToArray();
        Assert.Equal(flagged, findings.Select(f => f.Line).Distinct().ToArray());
        Assert.Contains(findings, f => f.Line == flagged[3] && f.Reason.Contains("square") && f.ToString().StartsWith("Sample.cs:12:"));
    }
}
