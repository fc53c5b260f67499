using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Markdig;

namespace NotebookKit.Runner;

/// <summary>Writes an executed notebook as one self-contained HTML page: markdown, code and outputs in order.</summary>
public static class HtmlHandout
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    const string Style = """
        body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.5; }
        pre.code { background: #f6f8fa; padding: .8em; border-left: 3px solid #0366d6; overflow-x: auto; }
        pre.stream { background: #fff; color: #444; padding: .4em .8em; border-left: 3px solid #ccc; overflow-x: auto; }
        pre.error { background: #fff0f0; color: #a00; padding: .8em; border-left: 3px solid #a00; overflow-x: auto; }
        .output { margin: .5em 0 1.5em 0; overflow-x: auto; }
        table { border-collapse: collapse; font-size: 90%; margin: .5em 0; }
        th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
        caption { font-weight: bold; text-align: left; }
        """;

    public static void Write(Notebook notebook, string path)
    {
        var title = Path.GetFileNameWithoutExtension(path);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(title)).Append("</title><style>").Append(Style).Append("</style></head><body>\n");
        foreach (var cell in notebook.Cells)
        {
            if (cell is null) continue;
            var source = Notebook.Source(cell);
            switch (Notebook.CellType(cell))
            {
                case "markdown":
                    html.Append("<div class=\"markdown\">").Append(Markdown.ToHtml(source, Pipeline)).Append("</div>\n");
                    break;
                case "code":
                    html.Append("<pre class=\"code\">").Append(WebUtility.HtmlEncode(source)).Append("</pre>\n");
                    foreach (var output in cell["outputs"] as JsonArray ?? [])
                        if (output is JsonObject o) AppendOutput(html, o);
                    break;
            }
        }
        html.Append("</body></html>\n");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, html.ToString());
    }

    static void AppendOutput(StringBuilder html, JsonObject output)
    {
        html.Append("<div class=\"output\">");
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                html.Append("<pre class=\"stream\">").Append(WebUtility.HtmlEncode(Join(output["text"]))).Append("</pre>");
                break;
            case "error":
                html.Append("<pre class=\"error\">").Append(WebUtility.HtmlEncode(string.Join("\n", (output["traceback"] as JsonArray ?? []).Select(t => t?.GetValue<string>())))).Append("</pre>");
                break;
            default:
                var data = output["data"] as JsonObject;
                if (data?["text/html"] is { } htmlData) html.Append(Join(htmlData));
                else if (data?["text/plain"] is { } text) html.Append("<pre class=\"stream\">").Append(WebUtility.HtmlEncode(Join(text))).Append("</pre>");
                break;
        }
        html.Append("</div>\n");
    }

    static string Join(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };
}
