using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using NotebookKit.Monitoring;
using NotebookKit.Serving.Operations;

namespace NotebookKit.Serving.Http;

/// <summary>
/// Raw text for text models (<see cref="ServedModel.Text"/>): <c>POST /v2/models/{name}[/versions/{v}]/text</c>, and
/// <c>/predict</c> when the model is a text model. The body goes through the same reading (415, 413, UTF-8, lone
/// surrogate escapes, malformed JSON) as every other endpoint; then each text is checked
/// (<see cref="InputParser.ParseTexts"/>), preprocessed with the package's own encoder, predicted through the model's
/// batcher, labelled at the package's threshold, and added to the text drift window.
/// </summary>
internal sealed partial class Endpoints
{
    public async Task Text(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "text";
        RequireKey(ctx);
        var name = (string)ctx.Request.RouteValues["name"]!;
        var version = ctx.Request.RouteValues.TryGetValue("version", out var vv) ? (string?)vv : null;
        using var body = await ReadBody(ctx);
        using var lease = Lease(name, version);
        if (lease.Version.Model.Text is null)
            throw new BadInputException(400, "name", $"Model '{name}' takes rows of features, not text; use /v2/models/{name}/infer or /predict.");
        await AnswerTexts(ctx, lease.Version, body);
    }

    async Task AnswerTexts(HttpContext ctx, ModelVersion v, Body body)
    {
        var m = v.Model;
        var text = m.Text!;
        string[] texts;
        string? id;
        using (var doc = InputParser.ParseJson(body.Memory))
            (texts, id) = InputParser.ParseTexts(doc.RootElement, options.MaxTextsPerRequest, options.MaxTextChars);
        var encoded = text.Encoder.Encode(texts);
        var input = new ParsedInput(encoded.Rows, texts.Length, id, true, true);
        var probabilities = await Run(ctx, v, input);
        CheckFinite(probabilities, texts.Length, 2, r => texts.Length == 1 && r == 0 ? "text" : $"texts[{r}]");
        var (classes, feedbackId) = Classify(v, probabilities, texts.Length);
        v.TextDrift?.Add(texts, encoded.Tokens);
        if (log is not null) ctx.Items["log"] = new LogInfo(m.Name, m.Version, texts.Length, classes, null);

        var buffer = new ArrayBufferWriter<byte>(256 + texts.Length * 80);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", id ?? feedbackId);
            w.WriteString("feedback_id", feedbackId);
            w.WriteString("model", m.Name);
            w.WriteString("version", m.Version);
            w.WriteNumber("threshold", text.Threshold);
            w.WriteString("positive_class", m.ClassNames[1]);
            w.WriteStartArray("predictions");
            for (int r = 0; r < texts.Length; r++)
            {
                w.WriteStartObject();
                w.WriteString("label", m.ClassNames[classes[r]]);
                w.WriteNumber("class", classes[r]);
                w.WriteNumber("probability", probabilities[2 * r + 1]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        await WriteJson(ctx, buffer);
    }

    /// <summary>The "text" object of /drift: the window, whether it alerts, and each signal with its threshold.</summary>
    static void WriteTextDrift(Utf8JsonWriter w, TextDriftMonitor monitor, TextDriftReport? report)
    {
        w.WriteStartObject("text");
        w.WriteNumber("window_texts", monitor.WindowTexts);
        w.WriteNumber("texts_seen", monitor.TextsSeen);
        w.WriteBoolean("ready", report is not null);
        w.WriteBoolean("alert", report?.AnyAlert ?? false);
        w.WriteStartArray("signals");
        foreach (var s in report?.Signals ?? [])
        {
            w.WriteStartObject();
            w.WriteString("signal", s.Signal);
            w.WriteNumber("value", s.Value);
            w.WriteNumber("reference", s.Reference);
            w.WriteNumber("noise_floor", s.NoiseFloor);
            w.WriteNumber("threshold", s.Threshold);
            w.WriteBoolean("alert", s.Alert);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The "text" object of a text model's metadata: where to send text, the decision and the limits.</summary>
    void WriteTextMetadata(Utf8JsonWriter w, ServedModel m, ServedText text)
    {
        w.WriteStartObject("text");
        w.WriteString("endpoint", $"/v2/models/{m.Name}/text");
        w.WriteString("features", text.Encoder.Kind == NotebookKit.Text.TextFeatureKind.Ids ? "ids" : "tfidf");
        w.WriteNumber("threshold", text.Threshold);
        w.WriteString("positive_class", m.ClassNames[1]);
        w.WriteNumber("max_text_chars", options.MaxTextChars);
        w.WriteNumber("max_texts_per_request", options.MaxTextsPerRequest);
        w.WriteNumber("max_body_bytes", options.MaxBodyBytes);
        w.WriteBoolean("drift", text.Reference is not null);
        w.WriteEndObject();
    }
}
