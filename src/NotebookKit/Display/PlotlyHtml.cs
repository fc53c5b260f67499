using System.IO.Compression;
using System.Threading;

namespace NotebookKit.Display;

/// <summary>
/// Turns a <see cref="Figure"/> into HTML that draws with plotly.js, offline.
/// <para>
/// The kit carries plotly.js (MIT, from the npm package plotly.js-dist-min) gzip-compressed. The first chart
/// after <see cref="StartSession"/> embeds it (base64, inflated in the page with DecompressionStream);
/// later charts wait for it. One copy per notebook, no CDN, so charts draw in a room without internet.
/// </para>
/// </summary>
public static class PlotlyHtml
{
    public const string PlotlyVersion = "4.1.2";
    static int libraryIncluded;
    static int figureCounter;
    static readonly Lazy<string> LibraryBase64 = new(() =>
    {
        using var stream = typeof(PlotlyHtml).Assembly.GetManifestResourceStream("NotebookKit.plotly.min.js.gz")
            ?? throw new InvalidOperationException("The kit's embedded plotly.js is missing; rebuild NotebookKit.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Convert.ToBase64String(buffer.ToArray());
    });

    /// <summary>Called by Kit.Setup: the next chart embeds plotly.js again (a new notebook or a restarted kernel).</summary>
    public static void StartSession() => Interlocked.Exchange(ref libraryIncluded, 0);

    /// <summary>The plotly.js source itself, for pages that load it once in their head.</summary>
    public static string LibrarySource()
    {
        using var gz = new GZipStream(new MemoryStream(Convert.FromBase64String(LibraryBase64.Value)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd();
    }

    public static string Render(Figure figure) => RenderJson(figure.ToJson(), figure.Layout.Height ?? 420);

    /// <summary>Renders any plotly.js figure JSON (<c>{"data": [...], "layout": {...}}</c>), e.g. from Plotly.NET.</summary>
    public static string RenderJson(string figureJson, int height = 420)
    {
        string id = $"nbkit-plot-{Environment.ProcessId}-{Interlocked.Increment(ref figureCounter)}-{Guid.NewGuid():N}";
        bool includeLibrary = Interlocked.Exchange(ref libraryIncluded, 1) == 0;
        var html = new System.Text.StringBuilder();
        html.Append($"<div id=\"{id}\" class=\"nbkit-plot\" style=\"width:100%;height:{height}px\"></div>\n<script type=\"text/javascript\">\n");
        if (includeLibrary)
        {
            html.Append("if (!window.Plotly && !window.__nbkitPlotly) { window.__nbkitPlotly = (async () => {\n")
                .Append("  const b64 = \"").Append(LibraryBase64.Value).Append("\";\n")
                .Append("  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));\n")
                .Append("  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));\n")
                .Append("  const source = await new Response(stream).text();\n")
                .Append("  const script = document.createElement('script'); script.text = source; document.head.appendChild(script);\n")
                .Append("  return window.Plotly; })(); }\n");
        }
        html.Append("(function () {\n")
            .Append($"  const figure = {figureJson};\n")
            .Append($"  const element = document.getElementById('{id}');\n")
            .Append("  const draw = P => P.newPlot(element, figure.data, figure.layout, {responsive: true, displaylogo: false});\n")
            .Append("  let waited = 0;\n")
            .Append("  (function wait() {\n")
            .Append("    if (window.Plotly) { draw(window.Plotly); return; }\n")
            .Append("    if (window.__nbkitPlotly) { window.__nbkitPlotly.then(draw); return; }\n")
            .Append("    if ((waited += 100) > 15000) { element.textContent = 'plotly.js is not loaded: run the notebook\\'s setup cell again.'; return; }\n")
            .Append("    setTimeout(wait, 100);\n")
            .Append("  })();\n")
            .Append("})();\n</script>");
        return html.ToString();
    }
}
