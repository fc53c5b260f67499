using System.Globalization;
using System.Net;
using System.Text;

namespace NotebookKit.Display;

/// <summary>A small table of already formatted cells, rendered as HTML or aligned text.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class HtmlTable : IRichDisplay
{
    public string? Caption { get; init; }
    public IReadOnlyList<string> Columns { get; }
    public List<IReadOnlyList<string>> Rows { get; } = [];

    public HtmlTable(IEnumerable<string> columns, string? caption = null)
    {
        Columns = columns.ToArray();
        Caption = caption;
    }

    public HtmlTable AddRow(params object?[] cells)
    {
        if (cells.Length != Columns.Count)
            throw new ArgumentException($"Row has {cells.Length} cells but the table has {Columns.Count} columns.", nameof(cells));
        Rows.Add(cells.Select(FormatCell).ToArray());
        return this;
    }

    /// <summary>Numbers get 4 significant decimals, as a reader wants them; the rest uses invariant culture.</summary>
    public static string FormatCell(object? value) => value switch
    {
        null => "",
        double d => FormatNumber(d),
        float f => FormatNumber(f),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string FormatNumber(double d) =>
        double.IsNaN(d) ? "NaN"
        : d == Math.Floor(d) && Math.Abs(d) < 1e15 ? d.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(d) >= 1e-3 && Math.Abs(d) < 1e6 ? d.ToString("0.####", CultureInfo.InvariantCulture)
        : d.ToString("0.###e+0", CultureInfo.InvariantCulture);

    public string ToHtml()
    {
        var html = new StringBuilder("<table class=\"nbkit-table\">");
        if (Caption is not null) html.Append("<caption>").Append(WebUtility.HtmlEncode(Caption)).Append("</caption>");
        html.Append("<thead><tr>");
        foreach (var c in Columns) html.Append("<th>").Append(WebUtility.HtmlEncode(c)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row) html.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public string ToPlainText()
    {
        var widths = Columns.Select((c, i) => Math.Max(c.Length, Rows.Count == 0 ? 0 : Rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        if (Caption is not null) text.AppendLine(Caption);
        text.AppendLine(string.Join("  ", Columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        foreach (var row in Rows)
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }

    public override string ToString() => ToPlainText();
}
