using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookKit.Runner;

/// <summary>
/// One cell's outputs in nbformat's shapes, built from the kernel's events the way its Jupyter front end turns them
/// into messages: displays become <c>display_data</c> (updated in place by value id), return values
/// <c>execute_result</c>, console text <c>stream</c> (consecutive writes join one output), compiler diagnostics a
/// stderr stream, and a failure an <c>error</c>.
/// </summary>
public sealed class CellOutputs
{
    readonly object gate = new();
    readonly Dictionary<string, JsonObject> displays = new(StringComparer.Ordinal);
    public JsonArray Items { get; } = [];

    /// <summary>Adds what <paramref name="e"/> shows; returns console or diagnostic text to echo live, else null.</summary>
    public string? Add(KernelEvent e, int executionCount)
    {
        switch (e)
        {
            case ReturnValueProduced { Value: DisplayedValue }:
                return null;   // display(x) as a cell's last expression: already shown once
            case DisplayedValueUpdated updated when updated.ValueId is not null:
                lock (gate)
                    if (displays.TryGetValue(updated.ValueId, out var shown)) shown["data"] = Data(updated.FormattedValues);
                return null;
            case DisplayedValueProduced produced:
                var display = new JsonObject
                {
                    ["output_type"] = "display_data", ["data"] = Data(produced.FormattedValues), ["metadata"] = new JsonObject(),
                };
                lock (gate)
                {
                    Items.Add(display);
                    if (produced.ValueId is not null) displays[produced.ValueId] = display;
                }
                return null;
            case ReturnValueProduced result:
                lock (gate)
                    Items.Add(new JsonObject
                    {
                        ["output_type"] = "execute_result", ["execution_count"] = executionCount,
                        ["data"] = Data(result.FormattedValues), ["metadata"] = new JsonObject(),
                    });
                return null;
            case StandardOutputValueProduced output:
                return AppendStream("stdout", PlainText(output));
            case StandardErrorValueProduced or ErrorProduced:
                return AppendStream("stderr", PlainText((DisplayEvent)e));
            case DiagnosticsProduced { FormattedDiagnostics.Count: > 0 } diagnostics:
                // The Jupyter front end spaces the kernel's formatted diagnostics out on stderr.
                var text = "\n" + string.Join("\n\n", diagnostics.FormattedDiagnostics.Select(d => d.Value)) + "\n\n";
                return AppendStream("stderr", text);
            default:
                return null;
        }
    }

    static string PlainText(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? e.Value?.ToString() ?? "";

    static JsonObject Data(IReadOnlyCollection<FormattedValue> values)
    {
        var data = new JsonObject();
        foreach (var value in values.Where(v => !v.SuppressDisplay))
            data[value.MimeType] = IsJson(value.MimeType) ? JsonNode.Parse(value.Value) : Notebook.Lines(value.Value);
        return data;
    }

    /// <summary>nbformat keeps JSON MIME types (<c>application/json</c>, <c>application/*+json</c>) as JSON, not text lines.</summary>
    public static bool IsJson(string mimeType) =>
        mimeType == "application/json" || (mimeType.StartsWith("application/", StringComparison.Ordinal) && mimeType.EndsWith("+json", StringComparison.Ordinal));

    string AppendStream(string name, string text)
    {
        if (text.Length == 0) return text;
        lock (gate)
        {
            if (Items.Count > 0 && Items[^1] is JsonObject last && last["output_type"]?.GetValue<string>() == "stream"
                && last["name"]?.GetValue<string>() == name)
            {
                var joined = string.Concat((last["text"] as JsonArray)!.Select(l => l!.GetValue<string>())) + text;
                last["text"] = Notebook.Lines(joined);
            }
            else
            {
                Items.Add(new JsonObject { ["output_type"] = "stream", ["name"] = name, ["text"] = Notebook.Lines(text) });
            }
        }
        return text;
    }

    public void AddError(string name, string message, IEnumerable<string> traceback)
    {
        var trace = new JsonArray();
        foreach (var line in traceback) trace.Add(line);
        lock (gate) Items.Add(new JsonObject { ["output_type"] = "error", ["ename"] = name, ["evalue"] = message, ["traceback"] = trace });
    }
}
