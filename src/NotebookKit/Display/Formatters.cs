using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookKit.Display;

/// <summary>
/// Formatters for foreign types, registered by Kit.Setup. The kit's own types format themselves through
/// <see cref="TypeFormatterSourceAttribute"/>. Only APIs that exist in Formatting beta.23562.1 and in the
/// newest kernel are used, and global defaults (DefaultMimeType, ResetToDefault) are never touched.
/// </summary>
public static class Formatters
{
    static int registered;

    /// <summary>Rows shown from each end of a long DataFrame.</summary>
    public static int DataFrameEdgeRows { get; set; } = 5;

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(DataFrameHtml(frame, DataFrameEdgeRows)), "text/html");
        Formatter.Register<DataFrame>((frame, writer) => writer.Write(DataFrameText(frame, DataFrameEdgeRows)), "text/plain");
        Formatter.SetPreferredMimeTypesFor(typeof(DataFrame), "text/html");

        // Plotly.NET charts, where Plotly.NET loads (not in the final C# kernel: FSharp.Core 10.1 vs 10.0).
        // Rendered with the kit's offline plotly.js instead of Plotly.NET's CDN script, plus the plotly MIME bundle.
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => RegisterPlotlyNet(e.LoadedAssembly);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies()) RegisterPlotlyNet(assembly);
    }

    static int plotlyNetRegistered;

    static void RegisterPlotlyNet(System.Reflection.Assembly assembly)
    {
        if (assembly.GetName().Name != "Plotly.NET") return;
        var chartType = assembly.GetType("Plotly.NET.GenericChart");
        var toFigureJson = chartType?.GetMethod("toFigureJson", [chartType]);
        if (chartType is null || toFigureJson is null || Interlocked.Exchange(ref plotlyNetRegistered, 1) == 1) return;
        string FigureJson(object chart) => (string)toFigureJson.Invoke(null, [chart])!;
        Formatter.Register(chartType, (chart, writer) => writer.Write(PlotlyHtml.RenderJson(FigureJson(chart))), "text/html");
        Formatter.Register(chartType, (chart, writer) => writer.Write(PlotlyHtml.MimeBundleJson(FigureJson(chart))), PlotlyHtml.MimeType);
        Formatter.SetPreferredMimeTypesFor(chartType, "text/html", PlotlyHtml.MimeType);
    }

    /// <summary>A DataFrame as an HTML table: shape, column types, the first and last rows.</summary>
    public static string DataFrameHtml(DataFrame frame, int edgeRows = 5)
    {
        long n = frame.Rows.Count;
        var html = new StringBuilder();
        html.Append("<div class=\"nbkit-dataframe\"><p><b>DataFrame</b> ")
            .Append(n.ToString(CultureInfo.InvariantCulture)).Append(" rows &times; ")
            .Append(frame.Columns.Count.ToString(CultureInfo.InvariantCulture)).Append(" columns</p>")
            .Append("<table><thead><tr><th></th>");
        foreach (var column in frame.Columns)
            html.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        html.Append("</tr><tr><th></th>");
        foreach (var column in frame.Columns)
            html.Append("<td><i>").Append(WebUtility.HtmlEncode(TypeName(column.DataType))).Append("</i></td>");
        html.Append("</tr></thead><tbody>");
        foreach (long row in RowsToShow(n, edgeRows))
        {
            if (row < 0)
            {
                html.Append("<tr><th>&hellip;</th><td colspan=\"").Append(frame.Columns.Count).Append("\">&hellip;</td></tr>");
                continue;
            }
            html.Append("<tr><th>").Append(row).Append("</th>");
            foreach (var column in frame.Columns)
                html.Append("<td>").Append(WebUtility.HtmlEncode(HtmlTable.FormatCell(column[row]))).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table></div>").ToString();
    }

    public static string DataFrameText(DataFrame frame, int edgeRows = 5)
    {
        var table = new HtmlTable(new[] { "" }.Concat(frame.Columns.Select(c => c.Name)),
            $"DataFrame {frame.Rows.Count} rows x {frame.Columns.Count} columns");
        foreach (long row in RowsToShow(frame.Rows.Count, edgeRows))
        {
            var cells = new object?[frame.Columns.Count + 1];
            cells[0] = row < 0 ? "..." : row.ToString(CultureInfo.InvariantCulture);
            for (int c = 0; c < frame.Columns.Count; c++) cells[c + 1] = row < 0 ? "..." : frame.Columns[c][row];
            table.AddRow(cells);
        }
        return table.ToPlainText();
    }

    /// <summary>Row indices to show, with -1 standing for the elided middle.</summary>
    static IEnumerable<long> RowsToShow(long n, int edge)
    {
        if (n <= 2L * edge)
        {
            for (long i = 0; i < n; i++) yield return i;
            yield break;
        }
        for (long i = 0; i < edge; i++) yield return i;
        yield return -1;
        for (long i = n - edge; i < n; i++) yield return i;
    }

    static string TypeName(Type type) => type == typeof(float) ? "float" : type == typeof(double) ? "double"
        : type == typeof(int) ? "int" : type == typeof(long) ? "long" : type == typeof(string) ? "string"
        : type == typeof(bool) ? "bool" : type.Name;
}
