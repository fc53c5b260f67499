namespace NotebookKit.Runner.Tests;

public class DirectiveTests
{
    [Fact]
    public void Directives_become_blank_lines_so_compiler_line_numbers_match_the_cell()
    {
        var d = CellDirectives.Parse("#r \"nuget: TorchSharp-cpu, 0.107.0\"\n#r \"../artifacts/kit/NotebookKit.dll\"\n#i \"nuget: /tmp/feed\"\nvar x = 1;");
        Assert.Equal("\n\n\nvar x = 1;", d.Code);
        var package = Assert.IsType<PackageReference>(d.References[0]);
        Assert.Equal(("TorchSharp-cpu", "0.107.0", 1), (package.Id, package.Version, package.Line));
        Assert.Equal("../artifacts/kit/NotebookKit.dll", Assert.IsType<AssemblyReference>(d.References[1]).Path);
        Assert.Equal("nuget: /tmp/feed", d.Sources.Single());
    }

    [Fact]
    public void A_markdown_cell_marker_makes_the_cell_markdown()
    {
        Assert.True(CellDirectives.Parse("#!markdown\n# Title").IsMarkdown);
        Assert.False(CellDirectives.Parse("#!csharp\nvar x = 1;").IsMarkdown);
    }

    [Fact]
    public void Other_magic_commands_are_rejected_with_their_line()
    {
        var e = Assert.Throws<DirectiveException>(() => CellDirectives.Parse("var x = 1;\n#!time"));
        Assert.Equal(2, e.Line);
        Assert.Contains("#!time", e.Message);
    }

    [Fact]
    public void A_malformed_r_directive_is_rejected()
    {
        Assert.Throws<DirectiveException>(() => CellDirectives.Parse("#r nuget: Foo"));
    }
}
