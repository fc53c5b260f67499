using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace NotebookKit.Display;

/// <summary>
/// Turns a <see cref="Figure"/> into HTML that draws with plotly.js, offline, on its own.
/// <para>
/// The kit carries plotly.js (MIT, from the npm package plotly.js-dist-min) gzip-compressed. Every chart output
/// embeds it (base64 in a script block the browser does not run) with a loader that inflates it with the browser's
/// DecompressionStream only when the page has no plotly.js yet: the first chart of a page loads it, later ones reuse
/// <c>window.Plotly</c>. So a chart draws when it is the only output shown (outputs cleared and one cell re-run, or
/// a viewer that renders outputs separately), with no CDN, in a room without internet. The price is about 2 MB per
/// chart output; front ends with a plotly renderer use the <see cref="MimeType"/> bundle instead.
/// </para>
/// </summary>
public static class PlotlyHtml
{
    public const string PlotlyVersion = "4.1.2";

    /// <summary>The plotly MIME type: JupyterLab and VS Code's Jupyter renderers draw its {data, layout, config} natively.</summary>
    public const string MimeType = "application/vnd.plotly.v1+json";

    /// <summary>The plotly.js config every chart draws with.</summary>
    public const string ConfigJson = "{\"responsive\":true,\"displaylogo\":false}";

    static int figureCounter;
    static readonly Lazy<string> LibraryBase64 = new(() =>
    {
        using var stream = typeof(PlotlyHtml).Assembly.GetManifestResourceStream("NotebookKit.plotly.min.js.gz")
            ?? throw new InvalidOperationException("The kit's embedded plotly.js is missing; rebuild NotebookKit.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Convert.ToBase64String(buffer.ToArray());
    });

    /// <summary>The plotly.js source itself, for pages that load it once in their head.</summary>
    public static string LibrarySource()
    {
        using var gz = new GZipStream(new MemoryStream(Convert.FromBase64String(LibraryBase64.Value)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// A whole HTML page that draws offline on its own, in any browser: plotly.js inline once in its head, then
    /// <paramref name="body"/> (e.g. <see cref="PageChart"/> parts). What <see cref="Figure.Save"/> and study reports write.
    /// </summary>
    public static string Page(string title, string body) => new StringBuilder()
        .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .Append(System.Net.WebUtility.HtmlEncode(title)).Append("</title>\n")
        .Append("<script type=\"text/javascript\">/* plotly.js ").Append(PlotlyVersion).Append(" (MIT) */\n")
        .Append(LibrarySource().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("\n</script>\n")
        .Append("</head>\n<body style=\"font-family:sans-serif;max-width:1200px;margin:1em auto\">\n")
        .Append(body).Append("\n</body></html>\n").ToString();

    /// <summary>A chart for a <see cref="Page"/>, which already holds plotly.js (no copy of it here).</summary>
    public static string PageChart(Figure figure)
    {
        string id = $"nbkit-plot-{Interlocked.Increment(ref figureCounter)}-{Guid.NewGuid():N}";
        return $"<div id=\"{id}\" class=\"nbkit-plot\" style=\"width:100%;height:{figure.Layout.Height ?? 420}px\"></div>\n"
            + $"<script type=\"text/javascript\">(function () {{ const f = {figure.ToJson()};\n"
            + $"  Plotly.newPlot('{id}', f.data, f.layout, {ConfigJson}); }})();</script>\n";
    }

    public static string Render(Figure figure) => RenderJson(figure.ToJson(), figure.Layout.Height ?? 420);

    /// <summary>
    /// The plotly MIME bundle of a figure JSON (<c>{"data": [...], "layout": {...}}</c>): the same object with the
    /// kit's <see cref="ConfigJson"/> added.
    /// </summary>
    public static string MimeBundleJson(string figureJson)
    {
        var figure = JsonNode.Parse(figureJson) as JsonObject
            ?? throw new ArgumentException("A plotly figure must be a JSON object with data and layout.", nameof(figureJson));
        figure["config"] = JsonNode.Parse(ConfigJson);
        return figure.ToJsonString();
    }

    /// <summary>Renders any plotly.js figure JSON (<c>{"data": [...], "layout": {...}}</c>), e.g. from Plotly.NET.</summary>
    public static string RenderJson(string figureJson, int height = 420)
    {
        string id = $"nbkit-plot-{Environment.ProcessId}-{Interlocked.Increment(ref figureCounter)}-{Guid.NewGuid():N}";
        var html = new StringBuilder();
        html.Append($"<div id=\"{id}\" class=\"nbkit-plot\" style=\"width:100%;height:{height}px\"></div>\n")
            .Append($"<script type=\"application/gzip;base64\" id=\"{id}-plotly\">").Append(LibraryBase64.Value).Append("</script>\n")
            .Append("<script type=\"text/javascript\">\n(function () {\n")
            .Append($"  const element = document.getElementById('{id}');\n")
            .Append($"  const figure = {figureJson};\n")
            // One load per page, whichever chart comes first; a page that already has plotly.js keeps its own.
            .Append("  const plotly = window.Plotly ? Promise.resolve(window.Plotly) : (window.__nbkitPlotly = window.__nbkitPlotly || (async () => {\n")
            .Append($"    const b64 = document.getElementById('{id}-plotly').textContent;\n")
            .Append("    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));\n")
            .Append("    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));\n")
            .Append("    const script = document.createElement('script');\n")
            .Append("    script.text = await new Response(stream).text();\n")
            .Append("    document.head.appendChild(script);\n")
            .Append("    return window.Plotly;\n")
            .Append("  })());\n")
            .Append($"  plotly.then(P => P.newPlot(element, figure.data, figure.layout, {ConfigJson}))\n")
            .Append("    .catch(e => { element.textContent = 'The chart could not be drawn: ' + e; });\n")
            .Append("})();\n</script>");
        return html.ToString();
    }
}
