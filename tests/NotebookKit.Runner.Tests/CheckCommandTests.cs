using static NotebookKit.Runner.Tests.Nbkit;

namespace NotebookKit.Runner.Tests;

public class CheckCommandTests
{
    [Fact]
    public void A_notebook_that_breaks_the_conventions_is_reported_with_each_problem()
    {
        var result = Run("check", Fixture("display.ipynb"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("needs exactly one cell tagged 'parameters'", result.Stdout);
        Assert.Contains("missing section '## Summary'", result.Stdout);
    }

    [Fact]
    public void Committed_outputs_unpinned_packages_and_broken_links_are_problems()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nbkit-check-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var source = File.ReadAllText(Path.Combine(RepoRoot, "notebooks", "00-getting-started.ipynb"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(source)!;
        var cells = node["cells"]!.AsArray();
        var setup = cells.First(c => c!["cell_type"]!.GetValue<string>() == "code")!;
        setup["outputs"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "x" });
        setup["source"] = "#r \"nuget: TorchSharp-cpu\"\nvar x = 1;";
        var path = Path.Combine(dir, "00-getting-started.ipynb");
        File.WriteAllText(path, node.ToJsonString());

        var result = Run("check", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("committed outputs", result.Stdout);
        Assert.Contains("#r \"nuget: TorchSharp-cpu\" must pin a version", result.Stdout);
        Assert.Contains("link to '01-evaluation-metrics.ipynb' does not resolve", result.Stdout);
    }
}
