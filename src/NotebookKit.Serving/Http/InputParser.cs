using System.Text.Json;

namespace NotebookKit.Serving.Http;

/// <summary>Parsed inputs: float32 rows, row-major [Rows, features].</summary>
public readonly record struct ParsedInput(float[] Data, int Rows, string? Id, bool WantProbabilities, bool WantLabel);

/// <summary>
/// Strict parsing of request bodies against a model's schema. Every problem is a <see cref="BadInputException"/>
/// naming the JSON field (e.g. <c>rows[3].mean radius</c>, <c>inputs[0].shape</c>) and what is wrong with it:
/// malformed JSON, missing or unknown fields, wrong types, wrong shapes, non-finite or out-of-range numbers, empty
/// batches (400), too many rows (413), and text over the length and count limits (400).
/// </summary>
public static class InputParser
{
    static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static JsonDocument ParseJson(ReadOnlyMemory<byte> body)
    {
        if (body.Length == 0) throw new BadInputException(400, "body", "The request body is empty; send a JSON object.");
        // JsonDocument checks UTF-8 only when a string is read; check it all now so no read can fail later.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span)) throw new BadInputException(400, "body", "The request body is not valid UTF-8.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body, DocumentOptions); }
        catch (JsonException e)
        {
            throw new BadInputException(400, "body", $"Malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {FirstSentence(e.Message)}");
        }
        // Escapes such as "\ud800" are valid JSON but not valid UTF-16; reading one throws. Bodies without a surrogate
        // escape (nearly all) skip the walk that names the field.
        if (MayHoldSurrogateEscape(body.Span) && FirstBadString(doc.RootElement, "") is { } field)
        {
            doc.Dispose();
            throw new BadInputException(400, field, "The string holds a lone UTF-16 surrogate escape (such as \\ud800); send valid Unicode.");
        }
        return doc;
    }

    static bool MayHoldSurrogateEscape(ReadOnlySpan<byte> body)
    {
        for (int i = body.IndexOf("\\u"u8); i >= 0 && i + 3 < body.Length; )
        {
            if ((body[i + 2] | 0x20) == 'd' && body[i + 3] is (byte)'8' or (byte)'9' or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F')) return true;
            int next = body[(i + 2)..].IndexOf("\\u"u8);
            i = next < 0 ? -1 : i + 2 + next;
        }
        return false;
    }

    /// <summary>The path of the first string or property name that is not valid UTF-16, or null.</summary>
    static string? FirstBadString(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                try { e.GetString(); return null; } catch (InvalidOperationException) { return path.Length == 0 ? "body" : path; }
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) { if (FirstBadString(item, $"{path}[{i}]") is { } bad) return bad; i++; }
                return null;
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    string name;
                    try { name = p.Name; } catch (InvalidOperationException) { return path.Length == 0 ? "body" : path + ".<name>"; }
                    if (FirstBadString(p.Value, path.Length == 0 ? Clip(name) : path + "." + Clip(name)) is { } bad) return bad;
                }
                return null;
            default: return null;
        }
    }

    /// <summary>A client's request id: echoed back, never stored, so bounded and plain.</summary>
    public const int MaxIdLength = 128;
    static string ReadId(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.String) throw new BadInputException(400, "id", "Expected a string.");
        int length = StringLength(e);
        if (length is 0 or > MaxIdLength) throw new BadInputException(400, "id", $"Expected 1 to {MaxIdLength} characters, got {length}.");
        var id = e.GetString()!;
        foreach (char c in id)
            if (c is < '!' or > '~') throw new BadInputException(400, "id", "Use printable ASCII without spaces (letters, digits, - _ . : /).");
        return id;
    }

    /// <summary>The UTF-16 length of a JSON string, measured on its raw UTF-8 without building the string, so an
    /// over-long id or text is refused before a megabyte-sized string lands on the large-object heap.</summary>
    static int StringLength(JsonElement e)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(e); // with its quotes
        var content = raw[1..^1];
        if (!content.Contains((byte)'\\')) return System.Text.Encoding.UTF8.GetCharCount(content);
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(content.Length); // escapes only shorten
        try { return reader.CopyString(buffer); }
        finally { System.Buffers.ArrayPool<char>.Shared.Return(buffer); }
    }

    /// <summary><c>{"rows": [{"feature": number, ...}, ...]}</c> (or the array alone), every feature of the schema exactly once.</summary>
    public static ParsedInput ParseRows(JsonElement root, IReadOnlyList<string> features, IReadOnlyDictionary<string, int> index, int maxRows)
    {
        JsonElement rows;
        string? id = null;
        if (root.ValueKind == JsonValueKind.Array) rows = root;
        else if (root.ValueKind == JsonValueKind.Object)
        {
            bool found = false;
            rows = default;
            foreach (var p in root.EnumerateObject())
            {
                if (p.NameEquals("rows")) { rows = p.Value; found = true; }
                else if (p.NameEquals("id")) id = ReadId(p.Value);
                else throw new BadInputException(400, Clip(p.Name), "Unknown field; the body has 'rows' (and optionally 'id').");
            }
            if (!found) throw new BadInputException(400, "rows", "Missing field 'rows': an array of objects mapping feature names to numbers.");
            if (rows.ValueKind != JsonValueKind.Array) throw new BadInputException(400, "rows", $"Expected an array of rows, got {Kind(rows)}.");
        }
        else throw new BadInputException(400, "body", $"Expected a JSON object with 'rows', got {Kind(root)}.");

        int n = rows.GetArrayLength();
        if (n == 0) throw new BadInputException(400, "rows", "Empty batch: send at least one row.");
        if (n > maxRows) throw new BadInputException(413, "rows", $"{n} rows exceed the limit of {maxRows} per request.");
        int d = features.Count;
        var data = new float[n * d];
        var seen = new bool[d];
        int r = 0;
        foreach (var row in rows.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Object) throw new BadInputException(400, $"rows[{r}]", $"Expected an object of feature values, got {Kind(row)}.");
            Array.Clear(seen);
            int count = 0;
            foreach (var p in row.EnumerateObject())
            {
                if (!TryFeature(p, index, out int f))
                    throw new BadInputException(400, $"rows[{r}].{Clip(p.Name)}", "Unknown feature (extra field); the model's features are listed at GET /v2/models/{name}.");
                if (seen[f]) throw new BadInputException(400, $"rows[{r}].{p.Name}", "Feature given twice.");
                seen[f] = true;
                count++;
                data[r * d + f] = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetSingle(out float quick) && float.IsFinite(quick) ? quick : ReadFloat(p.Value, $"rows[{r}].{p.Name}");
            }
            if (count != d)
            {
                var missing = features.Where((_, i) => !seen[i]).ToArray();
                throw new BadInputException(400, $"rows[{r}].{missing[0]}",
                    $"Missing feature{(missing.Length > 1 ? $" (and {missing.Length - 1} more: {string.Join(", ", missing.Skip(1).Take(3))}{(missing.Length > 4 ? ", ..." : "")})" : "")}.");
            }
            r++;
        }
        return new ParsedInput(data, n, id, true, true);
    }

    /// <summary>The feature index of a row's property without allocating its name: the raw UTF-8 name is decoded on
    /// the stack and looked up by span (30 strings fewer per row). Escaped or long names take the ordinary path.</summary>
    static bool TryFeature(JsonProperty p, IReadOnlyDictionary<string, int> index, out int f)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(p);
        if (raw.Length <= 256 && !raw.Contains((byte)'\\')
            && index is Dictionary<string, int> dictionary && dictionary.TryGetAlternateLookup<ReadOnlySpan<char>>(out var lookup))
        {
            Span<char> name = stackalloc char[256];
            return lookup.TryGetValue(name[..System.Text.Encoding.UTF8.GetChars(raw, name)], out f);
        }
        return index.TryGetValue(p.Name, out f);
    }

    /// <summary>
    /// A text model's request: <c>{"text": "..."}</c> or <c>{"texts": ["...", ...]}</c>, optionally with "id". Each
    /// text is a string of at most <paramref name="maxChars"/> UTF-16 code units that
    /// <see cref="NotebookKit.Text.TextInput.Problem"/> accepts (400 naming the character and its index); at most
    /// <paramref name="maxTexts"/> texts. Both limits are a 400 naming the limit and the value sent (a body over the
    /// server's byte cap was refused with 413 before parsing). Invalid UTF-8 and lone surrogate escapes were refused by
    /// <see cref="ParseJson"/>.
    /// </summary>
    public static (string[] Texts, string? Id) ParseTexts(JsonElement root, int maxTexts, int maxChars)
    {
        const string Shape = "send {\"text\": \"...\"} or {\"texts\": [\"...\", ...]}";
        if (root.ValueKind != JsonValueKind.Object) throw new BadInputException(400, "body", $"Expected a JSON object; {Shape}, got {Kind(root)}.");
        string? id = null;
        JsonElement one = default, many = default;
        foreach (var p in root.EnumerateObject())
        {
            if (p.NameEquals("text")) one = p.Value;
            else if (p.NameEquals("texts")) many = p.Value;
            else if (p.NameEquals("id")) id = ReadId(p.Value);
            else throw new BadInputException(400, Clip(p.Name), "Unknown field; a text request has 'text' or 'texts' (and optionally 'id').");
        }
        bool single = one.ValueKind != JsonValueKind.Undefined;
        if (single == (many.ValueKind != JsonValueKind.Undefined))
            throw new BadInputException(400, single ? "texts" : "text", single ? $"Give 'text' or 'texts', not both; {Shape}." : $"Missing field 'text' or 'texts'; {Shape}.");
        if (!single && many.ValueKind != JsonValueKind.Array) throw new BadInputException(400, "texts", $"Expected an array of strings, got {Kind(many)}.");
        int n = single ? 1 : many.GetArrayLength();
        if (n == 0) throw new BadInputException(400, "texts", "Empty batch: send at least one text.");
        if (n > maxTexts) throw new BadInputException(400, "texts", $"{n} texts exceed the limit of {maxTexts} texts per request (MaxTextsPerRequest).");
        var texts = new string[n];
        int i = 0;
        foreach (var e in single ? [one] : (IEnumerable<JsonElement>)many.EnumerateArray())
        {
            string field = single ? "text" : $"texts[{i}]";
            if (e.ValueKind != JsonValueKind.String) throw new BadInputException(400, field, $"Expected a string, got {Kind(e)}.");
            int length = StringLength(e);
            if (length > maxChars)
                throw new BadInputException(400, field, $"The text has {length} characters, over the limit of {maxChars} characters per text (MaxTextChars).");
            var text = e.GetString()!;
            if (NotebookKit.Text.TextInput.Problem(text) is { } problem) throw new BadInputException(400, field, problem);
            texts[i++] = text;
        }
        return (texts, id);
    }

    /// <summary>
    /// An Open Inference Protocol v2 request: <c>{"id"?, "inputs": [{"name": "input", "shape": [n, d],
    /// "datatype": "FP32"|"FP64"|"INT32"|"INT64", "data": [flat or nested numbers]}], "outputs"?: [{"name": ...}]}</c>.
    /// </summary>
    public static ParsedInput ParseInfer(JsonElement root, int features, int maxRows)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new BadInputException(400, "body", $"Expected a JSON object with 'inputs', got {Kind(root)}.");
        string? id = null;
        JsonElement inputs = default, outputs = default;
        foreach (var p in root.EnumerateObject())
        {
            if (p.NameEquals("inputs")) inputs = p.Value;
            else if (p.NameEquals("outputs")) outputs = p.Value;
            else if (p.NameEquals("id")) id = ReadId(p.Value);
            else if (p.NameEquals("parameters")) { if (p.Value.ValueKind != JsonValueKind.Object) throw new BadInputException(400, "parameters", "Expected an object."); }
            else throw new BadInputException(400, Clip(p.Name), "Unknown field; an inference request has id, parameters, inputs and outputs.");
        }
        if (inputs.ValueKind == JsonValueKind.Undefined) throw new BadInputException(400, "inputs", "Missing field 'inputs'.");
        if (inputs.ValueKind != JsonValueKind.Array) throw new BadInputException(400, "inputs", $"Expected an array of input tensors, got {Kind(inputs)}.");
        if (inputs.GetArrayLength() != 1) throw new BadInputException(400, "inputs", $"Expected exactly 1 input tensor ('{ServedModel.InputName}'), got {inputs.GetArrayLength()}.");
        var input = inputs[0];
        if (input.ValueKind != JsonValueKind.Object) throw new BadInputException(400, "inputs[0]", $"Expected an object, got {Kind(input)}.");

        string? name = null, datatype = null;
        JsonElement shape = default, data = default;
        foreach (var p in input.EnumerateObject())
        {
            if (p.NameEquals("name")) name = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw new BadInputException(400, "inputs[0].name", $"Expected a string, got {Kind(p.Value)}.");
            else if (p.NameEquals("datatype")) datatype = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw new BadInputException(400, "inputs[0].datatype", $"Expected a string, got {Kind(p.Value)}.");
            else if (p.NameEquals("shape")) shape = p.Value;
            else if (p.NameEquals("data")) data = p.Value;
            else if (p.NameEquals("parameters")) { }
            else throw new BadInputException(400, $"inputs[0].{Clip(p.Name)}", "Unknown field; a tensor has name, shape, datatype, data and parameters.");
        }
        if (name is null) throw new BadInputException(400, "inputs[0].name", "Missing field 'name'.");
        if (name != ServedModel.InputName) throw new BadInputException(400, "inputs[0].name", $"Unknown input '{Clip(name)}'; this model's input is '{ServedModel.InputName}'.");
        if (datatype is null) throw new BadInputException(400, "inputs[0].datatype", "Missing field 'datatype'.");
        bool integer = datatype switch
        {
            "FP32" or "FP64" or "FP16" => false,
            "INT8" or "INT16" or "INT32" or "INT64" or "UINT8" or "UINT16" or "UINT32" or "UINT64" => true,
            _ => throw new BadInputException(400, "inputs[0].datatype", $"Unsupported datatype '{Clip(datatype)}'; use FP32 (or FP64, INT32, INT64)."),
        };
        if (shape.ValueKind == JsonValueKind.Undefined) throw new BadInputException(400, "inputs[0].shape", "Missing field 'shape'.");
        if (shape.ValueKind != JsonValueKind.Array) throw new BadInputException(400, "inputs[0].shape", $"Expected an array [rows, {features}], got {Kind(shape)}.");
        if (shape.GetArrayLength() != 2) throw new BadInputException(400, "inputs[0].shape", $"Expected 2 dimensions [rows, {features}], got {shape.GetArrayLength()}.");
        long rowsL = ReadDim(shape[0], "inputs[0].shape[0]"), cols = ReadDim(shape[1], "inputs[0].shape[1]");
        if (cols != features) throw new BadInputException(400, "inputs[0].shape[1]", $"Expected {features} features, got {cols}.");
        if (rowsL == 0) throw new BadInputException(400, "inputs[0].shape[0]", "Empty batch: send at least one row.");
        if (rowsL > maxRows) throw new BadInputException(413, "inputs[0].shape[0]", $"{rowsL} rows exceed the limit of {maxRows} per request.");
        int rows = (int)rowsL;
        if (data.ValueKind == JsonValueKind.Undefined) throw new BadInputException(400, "inputs[0].data", "Missing field 'data'.");
        if (data.ValueKind != JsonValueKind.Array) throw new BadInputException(400, "inputs[0].data", $"Expected an array of numbers, got {Kind(data)}.");
        var values = new float[rows * features];
        int at = 0;
        if (data.GetArrayLength() > 0 && data[0].ValueKind == JsonValueKind.Array)
        {
            // Nested form [[...], [...]]: must match the shape exactly.
            if (data.GetArrayLength() != rows) throw new BadInputException(400, "inputs[0].data", $"Shape says {rows} rows, data has {data.GetArrayLength()}.");
            int r = 0;
            foreach (var row in data.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != features)
                    throw new BadInputException(400, $"inputs[0].data[{r}]", $"Expected an array of {features} numbers, got {(row.ValueKind == JsonValueKind.Array ? row.GetArrayLength() + " values" : Kind(row))}.");
                int c = 0;
                foreach (var v in row.EnumerateArray()) { values[at++] = !integer && v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out float quick) && float.IsFinite(quick) ? quick : ReadValue(v, $"inputs[0].data[{r}][{c}]", integer); c++; }
                r++;
            }
        }
        else
        {
            if (data.GetArrayLength() != values.Length)
                throw new BadInputException(400, "inputs[0].data", $"Shape [{rows}, {features}] needs {values.Length} values, data has {data.GetArrayLength()}.");
            foreach (var v in data.EnumerateArray()) { values[at] = !integer && v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out float quick) && float.IsFinite(quick) ? quick : ReadValue(v, $"inputs[0].data[{at}]", integer); at++; }
        }

        bool wantP = true, wantL = true;
        if (outputs.ValueKind != JsonValueKind.Undefined)
        {
            if (outputs.ValueKind != JsonValueKind.Array) throw new BadInputException(400, "outputs", $"Expected an array of requested outputs, got {Kind(outputs)}.");
            wantP = wantL = false;
            int i = 0;
            foreach (var o in outputs.EnumerateArray())
            {
                var n = o.ValueKind == JsonValueKind.Object && o.TryGetProperty("name", out var nm) && nm.ValueKind == JsonValueKind.String ? nm.GetString() : null;
                if (n == "probabilities") wantP = true;
                else if (n == "label") wantL = true;
                else throw new BadInputException(400, $"outputs[{i}].name", "Unknown output; this model has 'probabilities' and 'label'.");
                i++;
            }
        }
        return new ParsedInput(values, rows, id, wantP, wantL);
    }

    static long ReadDim(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v)) throw new BadInputException(400, field, $"Expected a non-negative integer, got {Kind(e)}.");
        if (v < 0) throw new BadInputException(400, field, $"Expected a non-negative integer, got {v}.");
        return v;
    }

    static float ReadValue(JsonElement e, string field, bool integer)
    {
        if (integer && e.ValueKind == JsonValueKind.Number && !e.TryGetInt64(out _))
            throw new BadInputException(400, field, "Expected an integer for an INT datatype.");
        return ReadFloat(e, field);
    }

    static float ReadFloat(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Number) throw new BadInputException(400, field, $"Expected a number, got {Kind(e)}.");
        if (!e.TryGetDouble(out double v) || !double.IsFinite(v)) throw new BadInputException(400, field, "Number is not finite.");
        float f = (float)v;
        if (!float.IsFinite(f)) throw new BadInputException(400, field, $"Number {v} is outside the float32 range.");
        return f;
    }

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>A client-supplied name shortened for an error message.</summary>
    internal static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "...";
    static string FirstSentence(string m) { int i = m.IndexOf(". ", StringComparison.Ordinal); return i > 0 ? m[..(i + 1)] : m; }
}
