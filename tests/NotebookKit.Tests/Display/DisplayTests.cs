using System.Text.Json;
using Microsoft.DotNet.Interactive.Formatting;
using NotebookKit.Display;

namespace NotebookKit.Tests.Display;

public class DisplayTests
{
    [Fact]
    public void A_figure_serialises_to_plotly_js_schema()
    {
        var figure = new Figure(new Scatter { X = new[] { 1, 2 }, Y = new[] { 3.0, 4.0 }, Name = "loss" }).WithTitle("T", "epoch", "loss");
        using var doc = JsonDocument.Parse(figure.ToJson());
        var trace = doc.RootElement.GetProperty("data")[0];
        Assert.Equal("scatter", trace.GetProperty("type").GetString());
        Assert.Equal("lines", trace.GetProperty("mode").GetString());
        Assert.Equal(4.0, trace.GetProperty("y")[1].GetDouble());
        Assert.False(trace.TryGetProperty("line", out _)); // nulls are left out
        var layout = doc.RootElement.GetProperty("layout");
        Assert.Equal("T", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("epoch", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void Kit_types_format_through_their_own_formatter_source_as_html()
    {
        var table = new HtmlTable(["a", "b"]).AddRow(1, 0.123456);
        Assert.Equal(table.ToHtml(), table.ToDisplayString("text/html"));
        Assert.Contains("<td>0.1235</td>", table.ToHtml());
        Assert.Equal(table.ToPlainText(), table.ToDisplayString("text/plain"));
    }

    [Fact]
    public void The_first_chart_of_a_session_carries_plotly_js_and_later_ones_do_not()
    {
        PlotlyHtml.StartSession();
        var first = new Figure(new Bar { X = new[] { "a" }, Y = new[] { 1 } }).ToHtml();
        var second = new Figure(new Bar { X = new[] { "a" }, Y = new[] { 1 } }).ToHtml();
        Assert.Contains("DecompressionStream", first);
        Assert.True(first.Length > 1_000_000);
        Assert.DoesNotContain("DecompressionStream", second);
        Assert.True(second.Length < 5_000);
        Assert.DoesNotContain("<script src", first + second); // nothing fetched from a CDN
    }

    [Fact]
    public void The_carried_plotly_js_is_the_pinned_release()
    {
        var source = PlotlyHtml.LibrarySource();
        Assert.Contains($"plotly.js v{PlotlyHtml.PlotlyVersion}", source[..200]);
        Assert.Contains("window.Plotly = Plotly", source);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_cells_is_rejected()
    {
        var table = new HtmlTable(["a", "b"]);
        Assert.Throws<ArgumentException>(() => table.AddRow(1));
    }
}
