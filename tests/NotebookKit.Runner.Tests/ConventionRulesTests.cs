using System.Text.Json.Nodes;

namespace NotebookKit.Runner.Tests;

/// <summary>Each convention rule of nbkit check, on small in-memory notebooks: one that keeps every rule, then one break at a time.</summary>
public class ConventionRulesTests
{
    static JsonObject Markdown(string text) => Cell("markdown", text);

    static JsonObject Code(string text, params string[] tags)
    {
        var cell = Cell("code", text);
        cell["execution_count"] = null;
        cell["outputs"] = new JsonArray();
        var meta = (JsonObject)cell["metadata"]!;
        meta["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" };
        if (tags.Length > 0) meta["tags"] = new JsonArray(tags.Select(t => (JsonNode)t).ToArray());
        return cell;
    }

    static int ids;
    static JsonObject Cell(string type, string text) => new()
    {
        ["cell_type"] = type, ["id"] = $"c{Interlocked.Increment(ref ids)}", ["metadata"] = new JsonObject(), ["source"] = text,
    };

    /// <summary>A notebook that keeps every convention; <paramref name="change"/> breaks one.</summary>
    static IReadOnlyList<string> Problems(Action<List<JsonObject>>? change = null)
    {
        var cells = new List<JsonObject>
        {
            Markdown("# Title\n\nIn this notebook you will learn:\n- one thing"),
            Code("#r \"nuget: TorchSharp-cpu, 0.107.0\"\nKit.Setup(seed: 42)"),
            Code("var size = \"workshop\";   // \"fast\" (CI), \"workshop\" (default), \"full\"", "parameters"),
            Markdown("## Summary\n\nDone."),
            Markdown("## Exercises\n\n1. Try it."),
            Markdown("## Solutions"),
            Code("Check.That(1 + 1 == 2, \"exercise 1\");"),
            Markdown("## Continue learning\n\nNext."),
        };
        change?.Invoke(cells);
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select(c => (JsonNode)c).ToArray()),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = new JsonObject { ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp" } },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        return ConventionChecker.Check(Notebook.FromJson(root, Path.Combine(Path.GetTempPath(), "rules.ipynb")));
    }

    static string Lines(int count, int length = 10) =>
        string.Join("\n", Enumerable.Range(0, count).Select(i => $"var v{i} = 0;".PadRight(length)));

    [Fact]
    public void A_notebook_keeping_every_convention_has_no_problem() => Assert.Empty(Problems());

    [Fact]
    public void A_code_cell_over_15_lines_needs_a_long_cell_reason()
    {
        Assert.Empty(Problems(c => c.Insert(3, Code(Lines(15)))));
        var problem = Assert.Single(Problems(c => c.Insert(3, Code(Lines(16)))));
        Assert.Equal("cell 4: 16 lines, over 15: split it, move plumbing into the kit, or give the reason in a first line "
            + "'// long cell: <reason>'", problem);
        Assert.Empty(Problems(c => c.Insert(3, Code("// long cell: one table needs all rows\n" + Lines(20)))));
        Assert.Single(Problems(c => c.Insert(3, Code("// long cell:\n" + Lines(20)))));            // a reason is required
        Assert.Single(Problems(c => c.Insert(3, Code(Lines(1) + "\n// long cell: late\n" + Lines(15))))); // first line only
        Assert.Empty(Problems(c => c.Insert(3, Code(Lines(15) + "\n\n"))));                      // trailing newlines are no lines
    }

    [Fact]
    public void A_code_line_over_110_characters_is_a_problem_naming_cell_and_line()
    {
        Assert.Empty(Problems(c => c.Insert(3, Code("var a = 1;\n" + "// ".PadRight(110, 'x')))));
        var problem = Assert.Single(Problems(c => c.Insert(3, Code("var a = 1;\n" + "// ".PadRight(111, 'x')))));
        Assert.Equal("cell 4, line 2: 111 characters, over 110", problem);
    }

    [Fact]
    public void A_cell_building_a_tensor_with_torch_tensor_is_a_problem_naming_cell_and_line()
    {
        Assert.Empty(Problems(c => c.Insert(3, Code("var x = Tensors.From(values).ToTensor();\nvar r = x.Rows(idx);"))));
        foreach (var call in new[] { "tensor(idx)", "torch.tensor(values)", "as_tensor(values)" })
        {
            var problem = Assert.Single(Problems(c => c.Insert(3, Code($"var a = 1;\nvar r = x[{call}];"))));
            Assert.StartsWith("cell 4, line 2: torch.tensor(...) makes the kernel warn CS1701", problem);
        }
    }

    [Fact]
    public void The_parameters_cell_must_declare_a_known_size()
    {
        var missing = Assert.Single(Problems(c => c[2] = Code("var fast = false;", "parameters")));
        Assert.Contains("must declare var size", missing);
        var unknown = Assert.Single(Problems(c => c[2] = Code("var size = \"huge\";", "parameters")));
        Assert.Equal("cell 3: size \"huge\" is not one of fast, workshop, full", unknown);
        Assert.Empty(Problems(c => c[2] = Code("var size = \"full\";\nvar seed = 1;", "parameters")));
    }

    [Fact]
    public void Solutions_come_after_the_exercises_and_run_code()
    {
        Assert.Contains("missing section '## Solutions'", Problems(c => c.RemoveAt(5)));
        Assert.Contains("'## Solutions' must come after '## Exercises'", Problems(c => (c[4], c[5]) = (c[5], c[4])));
        Assert.Contains("'## Solutions' has no code cells after it: solve each exercise in a cell that runs",
            Problems(c => { c.RemoveAt(6); }));
    }

    [Fact]
    public void The_existing_rules_still_hold()
    {
        Assert.Contains("needs exactly one cell tagged 'parameters', found 0", Problems(c => c[2] = Code("var size = \"fast\";")));
        Assert.Contains("cell 2: #r \"nuget: TorchSharp-cpu\" must pin a version",
            Problems(c => c[1] = Code("#r \"nuget: TorchSharp-cpu\"")));
        Assert.Contains("cell 3: the parameters cell holds only simple assignments, not 'Console.WriteLine(size);'",
            Problems(c => c[2] = Code("var size = \"fast\";\nConsole.WriteLine(size);", "parameters")));
    }
}
