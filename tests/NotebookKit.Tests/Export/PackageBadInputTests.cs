using System.Security.Cryptography;
using System.Text.Json.Nodes;
using NotebookKit.Export;
using NotebookKit.Setup;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Export;

/// <summary>A package that would serve wrong answers is refused at save and at load.</summary>
public class PackageBadInputTests
{
    public PackageBadInputTests() => Kit.Setup(seed: 3);

    static string NewDir() => Path.Combine(Path.GetTempPath(), $"pkg-{Guid.NewGuid():N}");

    static InputSchema Schema(int n) => InputSchema.Float32(Enumerable.Range(0, n).Select(i => $"f{i}"));

    [Fact]
    public void A_model_with_NaN_weights_cannot_be_packaged()
    {
        var model = Models.Mlp(3, [4], 2);
        using (no_grad()) model.parameters().First()[0, 0] = tensor(float.NaN);
        var e = Assert.Throws<ArgumentException>(() => ModelPackage.Save(NewDir(), model, null, Schema(3), classes: ["a", "b"], includeOnnx: false));
        Assert.Contains("NaN", e.Message);
    }

    [Theory]
    [InlineData("classes")]
    [InlineData("negative")]
    [InlineData("huge")]
    public void A_hand_edited_manifest_with_fresh_checksums_is_refused_at_load(string edit)
    {
        var dir = NewDir();
        ModelPackage.Save(dir, Models.Mlp(3, [4], 2), null, Schema(3), classes: ["a", "b"], includeOnnx: false);
        var manifestPath = Path.Combine(dir, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var layers = manifest["architecture"]!["layers"]!.AsArray();
        switch (edit)
        {
            case "classes": manifest["classes"] = new JsonArray("a", "b", "c"); break;
            case "negative": layers[0]!["out"] = -4; break;
            case "huge": layers[0]!["out"] = 1L << 42; break;
        }
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var sums = File.ReadAllLines(Path.Combine(dir, "checksums.sha256")).Select(line =>
        {
            var file = line[(line.IndexOf("  ") + 2)..];
            return $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, file)))).ToLowerInvariant()}  {file}";
        });
        File.WriteAllText(Path.Combine(dir, "checksums.sha256"), string.Join("\n", sums) + "\n");
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir, CPU));
        Assert.Contains("manifest.json", e.Message);
    }
}
