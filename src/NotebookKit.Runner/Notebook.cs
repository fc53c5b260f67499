using System.Text.Json;
using System.Text.Json.Nodes;

namespace NotebookKit.Runner;

/// <summary>A Jupyter nbformat 4 notebook, kept as JSON so every field the user wrote survives a run.</summary>
public sealed class Notebook
{
    public string Path { get; }
    public JsonObject Root { get; }
    public JsonArray Cells => Root["cells"] as JsonArray ?? throw new InvalidDataException($"{Path}: no 'cells' array.");

    Notebook(string path, JsonObject root) { Path = path; Root = root; }

    public static Notebook Load(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        if (node is not JsonObject root || root["cells"] is not JsonArray)
            throw new InvalidDataException($"{path} is not a Jupyter notebook (no 'cells' array).");
        return new Notebook(path, root);
    }

    /// <summary>A notebook held in memory (its path names it in messages and resolves its links).</summary>
    public static Notebook FromJson(JsonObject root, string path)
    {
        if (root["cells"] is not JsonArray) throw new InvalidDataException($"{path} is not a Jupyter notebook (no 'cells' array).");
        return new Notebook(path, root);
    }

    public Notebook Clone(string newPath) => new(newPath, (JsonObject)Root.DeepClone());

    public static string CellType(JsonNode cell) => cell["cell_type"]?.GetValue<string>() ?? "";

    public static string Source(JsonNode cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        JsonValue value => value.GetValue<string>(),
        _ => "",
    };

    public static IReadOnlyList<string> Tags(JsonNode cell) =>
        (cell["metadata"]?["tags"] as JsonArray)?.Select(t => t?.GetValue<string>() ?? "").ToArray() ?? [];

    /// <summary>Splits text into nbformat's list-of-lines form (each line keeps its newline).</summary>
    public static JsonArray Lines(string text)
    {
        var array = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            array.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length) array.Add(text[start..]);
        return array;
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(path, Root.ToJsonString(options) + "\n");
    }
}
