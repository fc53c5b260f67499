using System.Text.Json.Nodes;
using NotebookKit.Testing;
using static NotebookKit.Runner.Tests.Nbkit;

namespace NotebookKit.Runner.Tests;

public class RunCommandTests
{
    static IEnumerable<JsonObject> Outs(JsonObject nb, int cell) => Outputs(nb, cell);
    static JsonObject Data(JsonObject output) => (JsonObject)output["data"]!;

    [Fact]
    public void Display_and_final_expressions_are_shown_with_their_mime_types()
    {
        var result = Run("run", Fixture("display.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        var nb = result.Notebook("display");

        var shown = Outs(nb, 1).ToArray();
        Assert.All(shown, o => Assert.Equal("display_data", o["output_type"]!.GetValue<string>()));
        Assert.Equal("hello", Text(Data(shown[0])["text/plain"]));          // strings are text/plain, as in the kernel
        Assert.Equal("second", Text(Data(shown[1])["text/plain"]));         // Update replaced the shown value

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
        Assert.Equal("<null>", Text(Data(Outs(nb, 9).Single())["text/plain"]));
        Assert.Null(ValidateWithNbformat(Path.Combine(result.OutDir, "display.ipynb")));
        Assert.True(File.Exists(Path.Combine(result.OutDir, "display.html")));
    }

    [Fact]
    public void Parameters_are_injected_after_the_parameters_cell()
    {
        var result = Run("run", Fixture("parameters.ipynb"), "--fast", "-p", "epochs=3", "-p", "name=bob");
        Assert.True(result.ExitCode == 0, result.All);
        var nb = result.Notebook("parameters");
        var injected = Cells(nb)[2]!;
        Assert.Equal("injected-parameters", injected["metadata"]!["tags"]![0]!.GetValue<string>());
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
        Assert.Equal("error", Outputs(nb, 1).Single()["output_type"]!.GetValue<string>());
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
    [InlineData("unknown-package", "Package 'No.Such.Package' is not carried by nbkit")]
    [InlineData("wrong-version", "version 0.22.0 was asked for, but nbkit carries Microsoft.Data.Analysis 0.23.1")]
    [InlineData("unpinned", "has no version: pin it")]
    [InlineData("magic", "magic command '#!fsharp' is not supported")]
    [InlineData("relative-dll", "#r \"missing/Nothing.dll\": no file at")]
    public void Unportable_or_unresolvable_cells_fail_with_the_cell_named(string fixture, string message)
    {
        var result = Run("run", Fixture(fixture + ".ipynb"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Contains($"{fixture}.ipynb, cell ", result.Stderr);
    }

    [Fact]
    public void A_carried_package_resolves_and_its_types_run()
    {
        var result = Run("run", Fixture("packages.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("6", Text(((JsonObject)Outputs(result.Notebook("packages"), 0).Single()["data"]!)["text/html"]));
    }

    [Fact]
    public void A_packages_extension_dib_runs_when_it_is_referenced()
    {
        var result = Run("run", Fixture("extension.ipynb"), "--packages", Path.Combine(Fixtures, "packages"));
        Assert.True(result.ExitCode == 0, result.All);
        var outputs = Outputs(result.Notebook("extension"), 0).ToArray();
        Assert.Equal("fixture extension loaded\n", Text(outputs[0]["text"]));
        Assert.Contains("42", Text(((JsonObject)outputs[1]["data"]!)["text/html"]));
    }

    [Fact]
    public void A_cell_over_its_time_limit_fails()
    {
        var result = Run("run", Fixture("timeout.ipynb"), "--cell-timeout", "1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("timeout.ipynb, cell 1: did not finish within 1 s", result.Stderr);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Run("run", "--bogus").ExitCode);
        Assert.Equal(2, Run("run", Fixture("no-such.ipynb")).ExitCode);
        Assert.Equal(2, Run("frobnicate").ExitCode);
    }
}

public class PlotlyNetTests
{
    [Fact]
    public void A_Plotly_NET_chart_renders_through_the_kits_offline_plotly_js_and_draws()
    {
        var result = Nbkit.Run("run", Nbkit.Fixture("plotly-net.ipynb"));
        Assert.True(result.ExitCode == 0, result.All);
        var data = (JsonObject)Nbkit.Outputs(result.Notebook("plotly-net"), 1).Single()["data"]!;
        var html = Nbkit.Text(data["text/html"]);
        Assert.Contains("class=\"nbkit-plot\"", html);
        Assert.Contains("\"x\":[1,2,3]", html);
        var bundle = Assert.IsType<JsonObject>(data["application/vnd.plotly.v1+json"]); // for JupyterLab's plotly renderer
        Assert.Equal("[1,2,3]", bundle["data"]![0]!["x"]!.ToJsonString());
        var (dom, _) = Chromium.DumpDom(Path.Combine(result.OutDir, "plotly-net.html"));
        Assert.Contains("class=\"nbkit-plot js-plotly-plot\"", dom);
    }
}
