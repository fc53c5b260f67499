using System.Text.RegularExpressions;
using System.IO.Compression;
using System.Text.Json.Nodes;
using static NotebookKit.Runner.Tests.Nbkit;

namespace NotebookKit.Runner.Tests;

public class RunCommandTests
{
    static IEnumerable<JsonObject> Outs(JsonObject nb, int cell) => Outputs(nb, cell);
    static JsonObject Data(JsonObject output) => (JsonObject)output["data"]!;

    [Fact]
    public void Optimize_progress_is_one_output_updated_in_place_to_the_final_count()
    {
        var result = Run("run", Fixture("progress.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        var outputs = Outs(result.Notebook("progress"), 2).ToArray();
        // Two studies of 6 and 12 trials in one cell, an update allowed after each trial: still one display, showing
        // the last study's final state.
        var progress = Assert.Single(outputs, o => o["output_type"]!.GetValue<string>() == "display_data");
        var text = Text(Data(progress)["text/plain"]);
        Assert.StartsWith("study 'fixture': 12/12 trials: 12 complete, 0 pruned, 0 failed · best ", text);
        Assert.Contains(" · done in ", text);
        Assert.Contains("<progress value=\"12\" max=\"12\"", Text(Data(progress)["text/html"]));
        var printed = Text(outputs.Single(o => o["output_type"]!.GetValue<string>() == "stream")["text"]).Split('\n');
        Assert.Contains(printed[1]["best ".Length..] + " (trial ", text); // the best value the second study reports
    }

    [Fact]
    public void Display_and_final_expressions_are_shown_with_their_mime_types()
    {
        var result = Run("run", Fixture("display.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        var nb = result.Notebook("display");

        var shown = Outs(nb, 1).ToArray();
        Assert.All(shown, o => Assert.Equal("display_data", o["output_type"]!.GetValue<string>()));
        Assert.Equal("hello", Text(Data(shown[0])["text/plain"]));          // strings are text/plain, as in the kernel
        // The released kernel's display() returns a handle with a new id, so Update() names no shown value: Jupyter
        // ignores it, and so does nbkit (VS Code appends it as a further output).
        Assert.Equal("first", Text(Data(shown[1])["text/plain"]));

        var streams = Outs(nb, 2).ToArray();
        Assert.Equal("out line\n", Text(streams[0]["text"]));
        Assert.Equal("stdout", streams[0]["name"]!.GetValue<string>());
        Assert.Equal("err line\n", Text(streams[1]["text"]));
        Assert.Equal("stderr", streams[1]["name"]!.GetValue<string>());
        Assert.Equal("same stream\n", Text(streams[2]["text"]));           // writes join one stream output

        var sum = Outs(nb, 3).Single();
        Assert.Equal("execute_result", sum["output_type"]!.GetValue<string>());
        Assert.Contains("3", Text(Data(sum)["text/html"]));                 // objects default to text/html
        Assert.Equal("plain text", Text(Data(Outs(nb, 4).Single())["text/plain"]));
        Assert.Empty(Outs(nb, 5));                                           // a statement shows nothing
        Assert.Equal("void call\n", Text(Outs(nb, 6).Single()["text"]));    // a void expression shows no result
        Assert.Contains("35", Text(Data(Outs(nb, 7).Single())["text/html"])); // await and default usings work
        Assert.Equal("<b>point 3,4</b>", Text(Data(Outs(nb, 8).Single())["text/html"])); // user formatters apply
        Assert.Contains("&lt;null&gt;", Text(Data(Outs(nb, 9).Single())["text/html"]));
        Assert.Null(ValidateWithNbformat(Path.Combine(result.OutDir, "display.ipynb")));
        Assert.True(File.Exists(Path.Combine(result.OutDir, "display.html")));
    }

    [Fact]
    public void Parameters_are_injected_after_the_parameters_cell()
    {
        var result = Run("run", Fixture("parameters.ipynb"), "--fast", "-p", "epochs=2", "-p", "name=bob", "-p", "epochs=3");
        Assert.True(result.ExitCode == 0, result.All);
        var nb = result.Notebook("parameters");
        var injected = Cells(nb)[2]!;
        Assert.Equal("injected-parameters", injected["metadata"]!["tags"]![0]!.GetValue<string>());
        Assert.Single(Regex.Matches(Text(injected["source"]), "epochs ="));   // one assignment per name: the last wins
        Assert.Contains("epochs = 3;", Text(injected["source"]));
        Assert.Equal("fast=True epochs=3 name=bob\n", Text(Outputs(nb, 3).Single()["text"]));
        Assert.Null(ValidateWithNbformat(Path.Combine(result.OutDir, "parameters.ipynb")));
    }

    [Fact]
    public void An_undeclared_parameter_fails_naming_it()
    {
        var result = Run("run", Fixture("parameters.ipynb"), "-p", "nope=1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("parameter 'nope' is not declared", result.All);
    }

    [Fact]
    public void A_compile_error_names_notebook_cell_and_line_and_stops_the_notebook()
    {
        var result = Run("run", Fixture("compile-error.ipynb"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("compile-error.ipynb, cell 2, line 2: CS1525", result.Stderr);
        var nb = result.Notebook("compile-error");
        var outputs = Outputs(nb, 1).ToArray();                             // the kernel's diagnostics, then the error
        Assert.Contains("(2,14): error CS1525", Text(outputs[0]["text"]));
        Assert.Equal("error", outputs[1]["output_type"]!.GetValue<string>());
        Assert.Null(Cells(nb)[2]!["execution_count"]);                     // later cells do not run
        Assert.Contains("FAILED", result.Stdout);
    }

    [Fact]
    public void A_runtime_exception_names_cell_line_and_exception()
    {
        var result = Run("run", Fixture("runtime-error.ipynb"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("runtime-error.ipynb, cell 2, line 2: System.InvalidOperationException: boom", result.Stderr);
        var nb = result.Notebook("runtime-error");
        var outputs = Outputs(nb, 1).ToArray();
        Assert.Equal("before\n", Text(outputs[0]["text"]));
        Assert.Equal("InvalidOperationException", outputs[1]["ename"]!.GetValue<string>());
        Assert.Null(ValidateWithNbformat(Path.Combine(result.OutDir, "runtime-error.ipynb")));
    }

    [Theory]
    [InlineData("unknown-package", "unknown-package.ipynb, cell 1, line 1: ", "No.Such.Package")]
    [InlineData("relative-dll", "relative-dll.ipynb, cell 1, line 1: CS0006", "missing/Nothing.dll")]
    [InlineData("magic", "magic.ipynb, cell ", "#!fsharp")]
    public void Cells_the_kernel_cannot_run_fail_naming_notebook_cell_and_line(string fixture, string where, string what)
    {
        var result = Run("run", Fixture(fixture + ".ipynb"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(where, result.Stderr);
        Assert.Contains(what, result.Stderr);
    }

    [Fact]
    public void A_pinned_package_restores_as_in_VS_Code_and_the_kernel_shows_it_installed()
    {
        var result = Run("run", Fixture("packages.ipynb"), Fixture("any-package.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        var shown = Outputs(result.Notebook("packages"), 0).ToArray();
        Assert.Contains(shown, o => Text(o["data"]?["text/html"]).Contains("Installed Packages")
            && Text(o["data"]?["text/html"]).Contains("Microsoft.Data.Analysis, 0.23.1"));
        Assert.Contains("6", Text(Data(shown.Last(o => o["output_type"]!.GetValue<string>() == "execute_result"))["text/html"]));
        var mean = Outputs(result.Notebook("any-package"), 0).Last();      // a package nbkit knows nothing about
        Assert.Contains("3", Text(Data(mean)["text/html"]));
    }

    [Fact]
    public void A_packages_extension_dib_runs_when_it_is_referenced()
    {
        // A local package source holding a package with interactive-extensions/dotnet/extension.dib, as NuGet ships them.
        var dir = Directory.CreateTempSubdirectory("nbkit-extension-").FullName;
        var source = Directory.CreateDirectory(Path.Combine(dir, "source")).FullName;
        using (var nupkg = ZipFile.Open(Path.Combine(source, "fixture.extension.1.0.0.nupkg"),
                   ZipArchiveMode.Create))
        {
            using (var nuspec = new StreamWriter(nupkg.CreateEntry("Fixture.Extension.nuspec").Open()))
                nuspec.Write("""
                    <?xml version="1.0" encoding="utf-8"?>
                    <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                      <metadata><id>Fixture.Extension</id><version>1.0.0</version><authors>nbkit</authors>
                        <description>nbkit test fixture</description></metadata>
                    </package>
                    """);
            nupkg.CreateEntryFromFile(Fixture("extension.dib"), "interactive-extensions/dotnet/extension.dib");
        }
        var notebook = JsonNode.Parse(File.ReadAllText(Fixture("packages.ipynb")))!;
        Cells((JsonObject)notebook)[0]!["source"] = $"#i \"nuget: {source}\"\n#r \"nuget: Fixture.Extension, 1.0.0\"";
        var second = Cells((JsonObject)notebook)[0]!.DeepClone();
        second["id"] = "second";
        second["source"] = "extensionValue + 1";
        Cells((JsonObject)notebook).Add(second);
        var path = Path.Combine(dir, "extension.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());

        var result = Run("run", path);
        Assert.True(result.ExitCode == 0, result.All);
        var nb = result.Notebook("extension");
        var loading = Outputs(nb, 0).Select(o => Text(o["data"]?["text/plain"]) + Text(o["text"])).ToArray();
        Assert.Contains(loading, t => t.Contains("Loading extension script from") && t.Contains("extension.dib"));
        Assert.Contains(loading, t => t.Contains("fixture extension loaded"));
        Assert.Contains("42", Text(Data(Outputs(nb, 1).Single())["text/html"]));
    }

    [Fact]
    public void Compiler_warnings_show_in_the_cell_as_the_kernel_shows_them_and_in_the_summary()
    {
        var result = Run("run", Fixture("warning.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);                     // a warning does not stop the notebook
        var stderr = Outputs(result.Notebook("warning"), 0).Single(o => o["name"]?.GetValue<string>() == "stderr");
        Assert.Contains("(1,7): warning CS8632", Text(stderr["text"]));
        Assert.Matches(@"warning\.ipynb\s+2/2\s+[\d.]+\s+1\s+ok", result.Stdout);
        Assert.Contains("nbkit: warning: warning.ipynb, cell 1, line 1: CS8632:", result.Stdout);
        Assert.Equal("length 0\n", Text(Outputs(result.Notebook("warning"), 1).Single()["text"]));
    }

    [Fact]
    public void A_warning_with_no_place_in_the_cell_counts_as_well()
    {
        // TorchSharp is built for .NET 8: resolving torch.tensor(long[]) makes the kernel unify its references
        // with .NET 10's and report CS1701 with no line. MSBuild hides it by default; the kernel does not.
        var result = Run("run", Fixture("unification.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        var stderr = Outputs(result.Notebook("unification"), 1).Single(o => o["name"]?.GetValue<string>() == "stderr");
        Assert.Contains("warning CS1701", Text(stderr["text"]));
        Assert.Matches(@"unification\.ipynb\s+2/2\s+[\d.]+\s+1\s+ok", result.Stdout);
        Assert.Contains("nbkit: warning: unification.ipynb, cell 2: CS1701:", result.Stdout);
    }

    [Fact]
    public void A_cell_over_its_time_limit_fails()
    {
        var result = Run("run", Fixture("timeout.ipynb"), "--cell-timeout", "1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("timeout.ipynb, cell 1: did not finish within 1 s", result.Stderr);
        Assert.Matches(@"timeout\.ipynb\s+\S+\s+[\d.]+\s+0\s+FAILED", result.Stdout);   // the summary survives the stuck cell
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Run("run", "--bogus").ExitCode);
        Assert.Equal(2, Run("run", Fixture("no-such.ipynb")).ExitCode);
        Assert.Equal(2, Run("frobnicate").ExitCode);
    }
}
