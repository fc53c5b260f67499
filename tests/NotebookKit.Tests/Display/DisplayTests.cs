using System.Text.Json;
using Microsoft.DotNet.Interactive.Formatting;
using System.Text.RegularExpressions;
using NotebookKit.Display;
using NotebookKit.Testing;

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
    public void Every_chart_carries_plotly_js_and_nothing_from_a_cdn()
    {
        var first = new Figure(new Bar { X = new[] { "a" }, Y = new[] { 1 } }).ToHtml();
        var second = new Figure(new Bar { X = new[] { "b" }, Y = new[] { 2 } }).ToHtml();
        foreach (var html in new[] { first, second })
        {
            Assert.Contains("DecompressionStream", html);
            Assert.Contains("window.Plotly ? Promise.resolve(window.Plotly)", html); // a page's plotly.js is reused
            Assert.InRange(html.Length, 1_000_000, 2_500_000);
        }
        Assert.DoesNotContain("<script src", first + second);
    }

    [Fact]
    public void A_figure_output_carries_html_the_plotly_mime_bundle_and_text()
    {
        var figure = new Figure(new Scatter { X = new[] { 1, 2 }, Y = new[] { 3.0, 4.0 } }).WithTitle("T");
        Assert.Equal(["text/html", PlotlyHtml.MimeType, "text/plain"], Formatter.GetPreferredMimeTypesFor(typeof(Figure)));
        using var bundle = JsonDocument.Parse(figure.ToDisplayString(PlotlyHtml.MimeType));
        using var plain = JsonDocument.Parse(figure.ToJson());
        Assert.Equal(plain.RootElement.GetProperty("data").GetRawText(), bundle.RootElement.GetProperty("data").GetRawText());
        Assert.Equal("T", bundle.RootElement.GetProperty("layout").GetProperty("title").GetProperty("text").GetString());
        Assert.False(bundle.RootElement.GetProperty("config").GetProperty("displaylogo").GetBoolean());
    }

    [Fact]
    public void A_later_chart_shown_on_its_own_draws_offline_in_chromium()
    {
        var earlier = new Figure(new Bar { X = new[] { "a" }, Y = new[] { 1 } }).ToDisplayString("text/html");
        var later = new Figure(new Scatter { X = new[] { 1, 2, 3 }, Y = new[] { 2.0, 1.0, 3.0 } }).ToDisplayString("text/html");
        var (alone, aloneLog) = Chromium.DumpPage(later);
        Assert.Equal(1, Chromium.DrawnCharts(alone));
        Assert.Empty(Chromium.ScriptErrors(aloneLog));
        var (both, bothLog) = Chromium.DumpPage(earlier, later);
        Assert.Equal(2, Chromium.DrawnCharts(both));
        Assert.Single(Regex.Matches(both, "<script>")); // plotly.js inflated and added once for the page
        Assert.Empty(Chromium.ScriptErrors(bothLog));
    }

    [Fact]
    public void Every_saved_figure_file_carries_plotly_js_and_draws_on_its_own()
    {
        var folder = Directory.CreateTempSubdirectory("nbkit-save-").FullName;
        try
        {
            var paths = new[] { Path.Combine(folder, "first.html"), Path.Combine(folder, "second.html") };
            new Figure(new Bar { X = new[] { "a" }, Y = new[] { 1 } }).WithTitle("first").Save(paths[0]);
            new Figure(new Scatter { X = new[] { 1, 2 }, Y = new[] { 2.0, 1.0 } }).WithTitle("second").Save(paths[1]);
            foreach (var path in paths)
            {
                var html = File.ReadAllText(path);
                Assert.Contains($"plotly.js v{PlotlyHtml.PlotlyVersion}", html);
                Assert.DoesNotContain("<script src", html);
                var (dom, log) = Chromium.DumpDom(path);
                Assert.Equal(1, Chromium.DrawnCharts(dom));
                Assert.Empty(Chromium.ScriptErrors(log));
            }
        }
        finally { Directory.Delete(folder, true); }
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
