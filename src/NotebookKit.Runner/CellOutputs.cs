using System.Text;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookKit.Runner;

/// <summary>
/// Collects one cell's outputs in order, in nbformat's shapes: <c>stream</c>, <c>display_data</c>,
/// <c>execute_result</c> and <c>error</c>. Consecutive console writes join one stream output, as in the kernel.
/// </summary>
public sealed class CellOutputs
{
    readonly object gate = new();
    public JsonArray Items { get; } = [];

    public static JsonObject FormatData(object? value, IReadOnlyCollection<string>? mimeTypes = null)
    {
        var data = new JsonObject();
        if (value is null)
        {
            data["text/plain"] = "<null>";
            return data;
        }
        var chosen = mimeTypes is { Count: > 0 } ? mimeTypes : Formatter.GetPreferredMimeTypesFor(value.GetType());
        foreach (var mime in chosen.Distinct())
        {
            string text = value.ToDisplayString(mime);
            data[mime] = IsJson(mime) ? JsonNode.Parse(text) : Notebook.Lines(text);
        }
        return data;
    }

    /// <summary>nbformat keeps JSON MIME types (<c>application/json</c>, <c>application/*+json</c>) as JSON, not text lines.</summary>
    public static bool IsJson(string mimeType) =>
        mimeType == "application/json" || (mimeType.StartsWith("application/", StringComparison.Ordinal) && mimeType.EndsWith("+json", StringComparison.Ordinal));

    public int AddDisplay(object? value, IReadOnlyCollection<string>? mimeTypes)
    {
        var output = new JsonObject { ["output_type"] = "display_data", ["data"] = FormatData(value, mimeTypes), ["metadata"] = new JsonObject() };
        lock (gate)
        {
            Items.Add(output);
            return Items.Count - 1;
        }
    }

    public void UpdateDisplay(int index, object? value, IReadOnlyCollection<string>? mimeTypes)
    {
        var data = FormatData(value, mimeTypes);
        lock (gate) Items[index]!["data"] = data;
    }

    public void AddResult(object? value, int executionCount)
    {
        var output = new JsonObject
        {
            ["output_type"] = "execute_result", ["execution_count"] = executionCount,
            ["data"] = FormatData(value), ["metadata"] = new JsonObject(),
        };
        lock (gate) Items.Add(output);
    }

    public void AppendStream(string name, string text)
    {
        if (text.Length == 0) return;
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
    }

    public void AddError(string name, string message, IEnumerable<string> traceback)
    {
        var trace = new JsonArray();
        foreach (var line in traceback) trace.Add(line);
        lock (gate) Items.Add(new JsonObject { ["output_type"] = "error", ["ename"] = name, ["evalue"] = message, ["traceback"] = trace });
    }
}

/// <summary>What <c>display(value)</c> returns, as in the kernel: call <see cref="Update"/> to replace the shown value.</summary>
public sealed class DisplayedValue(CellOutputs outputs, int index, IReadOnlyCollection<string>? mimeTypes)
{
    public void Update(object? updatedValue) => outputs.UpdateDisplay(index, updatedValue, mimeTypes);
}

/// <summary>Routes Console output to the running cell's stream output, and echoes it live to the terminal.</summary>
public sealed class ConsoleCapture(TextWriter echo, string streamName, string echoPrefix) : TextWriter
{
    readonly StringBuilder pendingEcho = new();
    public CellOutputs? Target { get; set; }
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        lock (pendingEcho)
        {
            Target?.AppendStream(streamName, value);
            pendingEcho.Append(value);
            int newline;
            while ((newline = IndexOfNewline()) >= 0)
            {
                echo.WriteLine(echoPrefix + pendingEcho.ToString(0, newline));
                pendingEcho.Remove(0, newline + 1);
            }
            echo.Flush();
        }
    }

    public override void WriteLine(string? value) => Write((value ?? "") + "\n");
    public override void WriteLine() => Write("\n");

    public void FlushEcho()
    {
        lock (pendingEcho)
        {
            if (pendingEcho.Length > 0) echo.WriteLine(echoPrefix + pendingEcho);
            pendingEcho.Clear();
        }
    }

    int IndexOfNewline()
    {
        for (int i = 0; i < pendingEcho.Length; i++) if (pendingEcho[i] == '\n') return i;
        return -1;
    }
}
