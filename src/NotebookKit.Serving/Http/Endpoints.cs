using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using NotebookKit.Serving.Operations;
using Prometheus;

namespace NotebookKit.Serving.Http;

/// <summary>
/// The HTTP surface. Inference: <c>POST /v2/models/{name}[/versions/{v}]/infer</c> (Open Inference Protocol v2) and
/// <c>POST /predict</c> (rows of named features). Operations: health, model metadata, <c>/metrics</c>, drift,
/// quality and feedback. Every client error is a JSON <c>{"error", "field"}</c> with a 4xx status.
/// </summary>
internal sealed partial class Endpoints(ServingOptions options, ModelRegistry registry, ServingMetrics metrics, FeedbackStore feedback, RequestLog? log)
{
    static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    readonly byte[]? apiKey = options.ApiKey is null ? null : Encoding.UTF8.GetBytes(options.ApiKey);
    readonly Dictionary<string, Counter.Child[]> classCounters = new();

    /// <summary>Times and counts every request, and turns exceptions into JSON errors without stack traces.</summary>
    public async Task Middleware(HttpContext ctx, RequestDelegate next)
    {
        long start = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            await next(ctx);
        }
        catch (BadInputException e)
        {
            error = e.Message;
            await WriteError(ctx, e.Status, e.Field, e.Message);
        }
        catch (BadHttpRequestException e)
        {
            error = e.Message;
            await WriteError(ctx, e.StatusCode, "body", e.StatusCode == 413 ? $"The request body exceeds the limit of {options.MaxBodyBytes} bytes." : "Bad request: " + e.Message);
        }
        catch (Exception e) when (ClientWentAway(ctx, e))
        {
            // A client that resets mid-body is not a server error: counted as 499 (as nginx does), no stack trace.
            error = "client went away";
            ctx.Response.StatusCode = ClientClosed;
        }
        catch (Exception e)
        {
            error = e.GetType().Name + ": " + e.Message;
            Console.Error.WriteLine($"nbkit-serving: internal error on {ctx.Request.Method} {ctx.Request.Path}: {e}");
            await WriteError(ctx, 500, "", "Internal server error.");
        }
        var endpoint = ctx.Items.TryGetValue("endpoint", out var name) ? (string)name! : "other";
        int status = ctx.Response.StatusCode;
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        metrics.Requests.WithLabels(endpoint, StatusText(status)).Inc();
        metrics.Latency.WithLabels(endpoint).Observe(seconds);
        if (log is not null && endpoint is "infer" or "predict" or "text" or "feedback" && log.Sample(status))
        {
            ctx.Items.TryGetValue("log", out var extra);
            var (model, version, rows, classes, inputs) = extra is LogInfo li ? (li.Model, li.Version, li.Rows, li.Classes, li.Inputs) : (null, null, 0, null, null);
            log.Write(new RequestLogEntry(DateTimeOffset.UtcNow, endpoint, model, version, status, seconds * 1000, rows, classes, error, inputs));
        }
    }

    /// <summary>Status counted for a request whose client went away before the answer (nginx's convention).</summary>
    public const int ClientClosed = 499;

    static bool ClientWentAway(HttpContext ctx, Exception e) =>
        ctx.RequestAborted.IsCancellationRequested
        || e is Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Connections.ConnectionAbortedException
        || (e is IOException && e.InnerException is Microsoft.AspNetCore.Connections.ConnectionResetException);

    sealed record LogInfo(string Model, string Version, int Rows, int[] Classes, float[][]? Inputs);

    static readonly string[] StatusTexts = Enumerable.Range(0, 600).Select(i => i.ToString()).ToArray();
    static string StatusText(int s) => s is >= 0 and < 600 ? StatusTexts[s] : s.ToString();

    public static async Task WriteError(HttpContext ctx, int status, string field, string message)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        // Kestrel drains an unread body up to DrainLimit after the response, so the client can finish sending and read
        // the 413; beyond that it closes the connection, and saying so stops the client reusing it.
        if (status == 413 && (ctx.Request.ContentLength is null or > 0) && !(ctx.Request.ContentLength <= DrainLimit(ctx)))
            ctx.Response.Headers.Connection = "close";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteString("field", field);
            w.WriteEndObject();
        }
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    static long DrainLimit(HttpContext ctx) =>
        ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0;

    void RequireKey(HttpContext ctx)
    {
        if (apiKey is null) return;
        CheckKey(ctx);
    }

    /// <summary>/metrics and drift: behind the key too unless <see cref="ServingOptions.OpenOperations"/>.</summary>
    void RequireOperationsKey(HttpContext ctx)
    {
        if (apiKey is null || options.OpenOperations) return;
        CheckKey(ctx);
    }

    void CheckKey(HttpContext ctx)
    {
        var given = ctx.Request.Headers[options.ApiKeyHeader].ToString();
        var bytes = Encoding.UTF8.GetBytes(given);
        if (given.Length == 0 || !CryptographicOperations.FixedTimeEquals(bytes, apiKey))
            throw new BadInputException(401, options.ApiKeyHeader, given.Length == 0 ? "Missing API key header." : "Wrong API key.");
    }

    /// <summary>A request body in a pooled buffer (a flood of large bodies does not churn the large-object heap);
    /// dispose returns the buffer, after the JsonDocument reading it is gone.</summary>
    sealed class Body(byte[] buffer, int length) : IDisposable
    {
        byte[]? buffer = buffer;
        public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);
        public void Dispose() { if (Interlocked.Exchange(ref buffer, null) is { } b) ArrayPool<byte>.Shared.Return(b); }
    }

    /// <summary>A JSON request body: Content-Type application/json (or +json; 415 otherwise), at most MaxBodyBytes.</summary>
    async Task<Body> ReadBody(HttpContext ctx)
    {
        var type = ctx.Request.ContentType;
        if (type is null || !(Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var media)
                && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))))
            throw new BadInputException(415, "Content-Type", $"Send JSON with Content-Type: application/json (got '{InputParser.Clip(type ?? "none")}').");
        long max = options.MaxBodyBytes;
        if (ctx.Request.ContentLength is long declared && declared > max)
            throw new BadInputException(413, "body", $"The request body ({declared} bytes) exceeds the limit of {max} bytes.");
        var buffer = ArrayPool<byte>.Shared.Rent((int)(ctx.Request.ContentLength is long n and > 0 ? n : 4096));
        int total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (buffer.Length >= max + 1) throw new BadInputException(413, "body", $"The request body exceeds the limit of {max} bytes.");
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(max + 1, buffer.Length * 2L));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                int read;
                try { read = await ctx.Request.Body.ReadAsync(buffer.AsMemory(total), ctx.RequestAborted); }
                catch (IOException e) when (!ClientWentAway(ctx, e))
                {
                    // Kestrel's framing errors (an overflowing chunk size, "Bad chunk size data") are the client's.
                    throw new BadInputException(400, "body", "Malformed request body: " + e.Message);
                }
                if (read == 0) break;
                total += read;
                if (total > max) throw new BadInputException(413, "body", $"The request body exceeds the limit of {max} bytes.");
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new Body(buffer, total);
    }

    ModelLease Lease(string name, string? version)
    {
        if (registry.TryLease(name, version, out var lease)) return lease;
        if (registry.Current(name) is null) throw new BadInputException(404, "name", $"No model named '{InputParser.Clip(name)}'. Loaded: {string.Join(", ", registry.Names)}.");
        throw new BadInputException(404, "version", $"Model '{name}' has no version '{InputParser.Clip(version ?? "")}'.");
    }

    async Task<float[]> Run(HttpContext ctx, ModelVersion v, ParsedInput input)
    {
        var prediction = v.Batcher.PredictAsync(input.Data, input.Rows);
        if (prediction.IsCompleted) return await prediction; // ran on this thread: no timer to arm
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            return await prediction.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            throw new BadInputException(503, "", $"The prediction took longer than the {options.RequestTimeout.TotalMilliseconds:0} ms limit; try again or send fewer rows.");
        }
    }

    /// <summary>A row whose inputs are finite but huge (3e38) can make the model output NaN or infinity: the whole
    /// request is refused (422) naming the first such row, and nothing is stored for feedback.</summary>
    static void CheckFinite(float[] probabilities, int rows, int k, Func<int, string> rowField)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < k; c++)
                if (!float.IsFinite(probabilities[r * k + c]))
                    throw new BadInputException(422, rowField(r),
                        "The model's output for this row is not a finite number (inputs far outside the training range); the request is refused, no row is answered.");
    }

    (int[] Classes, string FeedbackId) Classify(ModelVersion v, float[] probabilities, int rows)
    {
        var m = v.Model;
        int k = m.ClassNames.Count;
        var classes = new int[rows];
        Counter.Child[] counters;
        lock (classCounters)
        {
            var key = m.Name;
            if (!classCounters.TryGetValue(key, out counters!) || counters.Length != k)
                classCounters[key] = counters = m.ClassNames.Select(c => metrics.Predictions.WithLabels(m.Name, c)).ToArray();
        }
        var positive = k >= 2 ? new float[rows] : [];
        for (int r = 0; r < rows; r++)
        {
            int best = classes[r] = m.Decide(probabilities.AsSpan(r * k, k));
            counters[best].Inc();
            if (k >= 2) positive[r] = probabilities[r * k + 1];
        }
        return (classes, feedback.Add(new StoredPrediction(m.Name, m.Version, classes, positive)));
    }

    void NoteForLog(HttpContext ctx, ModelVersion v, ParsedInput input, int[] classes)
    {
        if (log is null) return;
        float[][]? inputs = null;
        if (options.LogInputs)
        {
            int d = v.Model.FeatureNames.Count;
            inputs = Enumerable.Range(0, input.Rows).Select(r => input.Data.AsSpan(r * d, d).ToArray()).ToArray();
        }
        ctx.Items["log"] = new LogInfo(v.Model.Name, v.Model.Version, input.Rows, classes, inputs);
    }

    public async Task Infer(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "infer";
        RequireKey(ctx);
        var name = (string)ctx.Request.RouteValues["name"]!;
        var version = ctx.Request.RouteValues.TryGetValue("version", out var vv) ? (string?)vv : null;
        using var body = await ReadBody(ctx);
        using var lease = Lease(name, version);
        var v = lease.Version;
        // A text model's rows are token ids or TF-IDF weights its own preprocessing makes; it takes raw text only.
        if (v.Model.Text is not null) throw new BadInputException(400, "name", $"Model '{name}' takes raw text: POST /v2/models/{name}/text.");
        ParsedInput input;
        using (var doc = InputParser.ParseJson(body.Memory))
            input = InputParser.ParseInfer(doc.RootElement, v.Model.FeatureNames.Count, options.MaxRowsPerRequest);
        var probabilities = await Run(ctx, v, input);
        int k = v.Model.ClassNames.Count;
        CheckFinite(probabilities, input.Rows, k, r => $"inputs[0].data[{r}]");
        var (classes, feedbackId) = Classify(v, probabilities, input.Rows);
        NoteForLog(ctx, v, input, classes);

        var buffer = new ArrayBufferWriter<byte>(128 + input.Rows * (k * 14 + 4));
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("model_name", v.Model.Name);
            w.WriteString("model_version", v.Model.Version);
            w.WriteString("id", input.Id ?? feedbackId);
            w.WriteString("feedback_id", feedbackId);
            w.WriteStartArray("outputs");
            if (input.WantProbabilities)
            {
                w.WriteStartObject();
                w.WriteString("name", "probabilities");
                w.WriteString("datatype", "FP32");
                w.WriteStartArray("shape"); w.WriteNumberValue(input.Rows); w.WriteNumberValue(k); w.WriteEndArray();
                w.WriteStartArray("data");
                foreach (var p in probabilities) w.WriteNumberValue(p);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            if (input.WantLabel)
            {
                w.WriteStartObject();
                w.WriteString("name", "label");
                w.WriteString("datatype", "INT64");
                w.WriteStartArray("shape"); w.WriteNumberValue(input.Rows); w.WriteEndArray();
                w.WriteStartArray("data");
                foreach (var c in classes) w.WriteNumberValue(c);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        await WriteJson(ctx, buffer);
    }

    public async Task Predict(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "predict";
        RequireKey(ctx);
        using var body = await ReadBody(ctx);
        string? name = ctx.Request.Query["model"].FirstOrDefault() ?? (registry.Names.Count == 1 ? registry.Names.First() : null);
        if (name is null) throw new BadInputException(400, "model", $"Several models are loaded; name one with ?model= ({string.Join(", ", registry.Names)}).");
        using var lease = Lease(name, ctx.Request.Query["version"].FirstOrDefault());
        var v = lease.Version;
        if (v.Model.Text is not null)
        {
            await AnswerTexts(ctx, v, body);
            return;
        }
        ParsedInput input;
        using (var doc = InputParser.ParseJson(body.Memory))
            input = InputParser.ParseRows(doc.RootElement, v.Model.FeatureNames, FeatureIndex(v), options.MaxRowsPerRequest);
        var probabilities = await Run(ctx, v, input);
        var names = v.Model.ClassNames;
        int k = names.Count;
        CheckFinite(probabilities, input.Rows, k, r => $"rows[{r}]");
        var (classes, feedbackId) = Classify(v, probabilities, input.Rows);
        NoteForLog(ctx, v, input, classes);

        var buffer = new ArrayBufferWriter<byte>(128 + input.Rows * (k * 24 + 48));
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", input.Id ?? feedbackId);
            w.WriteString("feedback_id", feedbackId);
            w.WriteString("model", v.Model.Name);
            w.WriteString("version", v.Model.Version);
            w.WriteStartArray("predictions");
            for (int r = 0; r < input.Rows; r++)
            {
                w.WriteStartObject();
                w.WriteString("label", names[classes[r]]);
                w.WriteNumber("class", classes[r]);
                w.WriteStartObject("probabilities");
                for (int c = 0; c < k; c++) w.WriteNumber(names[c], probabilities[r * k + c]);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        await WriteJson(ctx, buffer);
    }

    readonly System.Runtime.CompilerServices.ConditionalWeakTable<ServedModel, Dictionary<string, int>> indexes = new();
    Dictionary<string, int> FeatureIndex(ModelVersion v) =>
        indexes.GetValue(v.Model, m => m.FeatureNames.Select((f, i) => (f, i)).ToDictionary(t => t.f, t => t.i, StringComparer.Ordinal));

    public async Task Feedback(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "feedback";
        RequireKey(ctx);
        var name = (string)ctx.Request.RouteValues["name"]!;
        using var body = await ReadBody(ctx);
        var current = registry.Current(name) ?? throw new BadInputException(404, "name", $"No model named '{InputParser.Clip(name)}'.");
        var quality = registry.Quality(name)!;
        using var doc = InputParser.ParseJson(body.Memory);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("feedback", out var items) || items.ValueKind != JsonValueKind.Array)
            throw new BadInputException(400, "feedback", "Expected {\"feedback\": [{\"id\": ..., \"row\": 0, \"label\": class name or index}, ...]}.");
        if (items.GetArrayLength() == 0) throw new BadInputException(400, "feedback", "Empty feedback list.");
        var accepted = new List<(int Label, int Predicted, double Score)>();
        int i = 0;
        foreach (var item in items.EnumerateArray())
        {
            string at = $"feedback[{i}]";
            if (item.ValueKind != JsonValueKind.Object) throw new BadInputException(400, at, "Expected an object with id, row and label.");
            if (!item.TryGetProperty("id", out var idEl) || idEl.ValueKind != JsonValueKind.String)
                throw new BadInputException(400, at + ".id", "Missing or non-string 'id' (the id returned with the prediction).");
            var stored = idEl.GetString()!.Length <= 64 ? feedback.Find(idEl.GetString()!) : null;
            if (stored is null || stored.Model != name) throw new BadInputException(400, at + ".id", "Unknown or expired feedback id for this model (use the feedback_id returned with the prediction).");
            int row = 0;
            if (item.TryGetProperty("row", out var rowEl) && (rowEl.ValueKind != JsonValueKind.Number || !rowEl.TryGetInt32(out row) || row < 0 || row >= stored.Classes.Length))
                throw new BadInputException(400, at + ".row", $"Expected a row index in 0..{stored.Classes.Length - 1}.");
            if (!item.TryGetProperty("label", out var labelEl)) throw new BadInputException(400, at + ".label", "Missing 'label'.");
            int label = labelEl.ValueKind switch
            {
                JsonValueKind.Number when labelEl.TryGetInt32(out int l) && l >= 0 && l < current.Model.ClassNames.Count => l,
                JsonValueKind.String when IndexOf(current.Model.ClassNames, labelEl.GetString()!) is int l and >= 0 => l,
                _ => throw new BadInputException(400, at + ".label", $"Expected a class name ({string.Join(", ", current.Model.ClassNames)}) or index."),
            };
            accepted.Add((label, stored.Classes[row], stored.PositiveScores.Length > row ? stored.PositiveScores[row] : 0));
            i++;
        }
        foreach (var a in accepted) quality.Add(a.Label, a.Predicted, a.Score);
        var snapshot = quality.Compute();
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("accepted", accepted.Count);
            WriteQuality(w, snapshot, current.Model.ClassNames);
            w.WriteEndObject();
        }
        await WriteJson(ctx, buffer);
    }

    static void WriteQuality(Utf8JsonWriter w, NotebookKit.Monitoring.QualitySnapshot? q, IReadOnlyList<string> classNames)
    {
        w.WriteStartObject("quality");
        if (q is not null)
        {
            w.WriteNumber("count", q.Count);
            w.WriteNumber("accuracy", q.Accuracy);
            w.WriteNumber("f1", q.F1);
            if (classNames.Count == 2) w.WriteString("positive_class", classNames[q.PositiveClass]);
            if (q.Auc is double auc) w.WriteNumber("auc", auc); else w.WriteNull("auc");
        }
        w.WriteEndObject();
    }

    public async Task Metadata(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "metadata";
        var name = (string)ctx.Request.RouteValues["name"]!;
        var version = ctx.Request.RouteValues.TryGetValue("version", out var vv) ? (string?)vv : null;
        using var lease = Lease(name, version);
        var m = lease.Version.Model;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            w.WriteStartArray("versions");
            foreach (var v in registry.Versions(name).OrderBy(v => v.LoadedAt)) w.WriteStringValue(v.Model.Version);
            w.WriteEndArray();
            w.WriteString("version", m.Version);
            w.WriteString("platform", m.Backend.Kind);
            w.WriteStartArray("inputs");
            w.WriteStartObject();
            w.WriteString("name", ServedModel.InputName);
            w.WriteString("datatype", "FP32");
            w.WriteStartArray("shape"); w.WriteNumberValue(-1); w.WriteNumberValue(m.FeatureNames.Count); w.WriteEndArray();
            w.WriteStartObject("parameters");
            w.WriteStartArray("features"); foreach (var f in m.FeatureNames) w.WriteStringValue(f); w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("outputs");
            w.WriteStartObject(); w.WriteString("name", "probabilities"); w.WriteString("datatype", "FP32");
            w.WriteStartArray("shape"); w.WriteNumberValue(-1); w.WriteNumberValue(m.ClassNames.Count); w.WriteEndArray(); w.WriteEndObject();
            w.WriteStartObject(); w.WriteString("name", "label"); w.WriteString("datatype", "INT64");
            w.WriteStartArray("shape"); w.WriteNumberValue(-1); w.WriteEndArray(); w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("parameters");
            w.WriteStartArray("classes"); foreach (var c in m.ClassNames) w.WriteStringValue(c); w.WriteEndArray();
            foreach (var (key, value) in m.Properties) w.WriteString(key, value);
            w.WriteEndObject();
            if (m.Text is { } text) WriteTextMetadata(w, m, text);
            w.WriteEndObject();
        }
        await WriteJson(ctx, buffer);
    }

    public async Task Drift(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "drift";
        RequireOperationsKey(ctx);
        var name = (string)ctx.Request.RouteValues["name"]!;
        var v = registry.Current(name) ?? throw new BadInputException(404, "name", $"No model named '{InputParser.Clip(name)}'.");
        var report = v.DriftReport(options.DriftCacheTime);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", name);
            w.WriteString("version", v.Model.Version);
            var text = v.TextDriftReport(options.DriftCacheTime);
            w.WriteBoolean("enabled", v.Drift is not null || v.TextDrift is not null);
            w.WriteNumber("window_rows", report?.WindowRows ?? 0);
            w.WriteBoolean("alert", (report?.AnyAlert ?? false) || (text?.AnyAlert ?? false));
            if (v.TextDrift is { } monitor) WriteTextDrift(w, monitor, text);
            w.WriteStartArray("features");
            foreach (var f in report?.Features ?? [])
            {
                w.WriteStartObject();
                w.WriteString("feature", f.Feature);
                w.WriteNumber("psi", f.Psi);
                w.WriteNumber("ks_statistic", f.KsStatistic);
                w.WriteNumber("ks_pvalue", f.KsPValue);
                w.WriteBoolean("alert", f.Alert);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteQuality(w, registry.Quality(name)?.Compute(), v.Model.ClassNames);
            w.WriteEndObject();
        }
        await WriteJson(ctx, buffer);
    }

    public async Task MetricsText(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "metrics";
        RequireOperationsKey(ctx);
        foreach (var name in registry.Names)
            if (registry.Current(name) is { } v)
                metrics.Refresh(name, v.DriftReport(options.DriftCacheTime), registry.Quality(name)?.Compute(), v.TextDriftReport(options.DriftCacheTime));
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    public Task Live(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "health";
        return WriteRaw(ctx, 200, "{\"live\":true}"u8.ToArray());
    }

    public Task Ready(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "health";
        return registry.Ready ? WriteRaw(ctx, 200, "{\"ready\":true}"u8.ToArray()) : WriteRaw(ctx, 503, "{\"ready\":false}"u8.ToArray());
    }

    public Task ModelReady(HttpContext ctx)
    {
        ctx.Items["endpoint"] = "health";
        var name = (string)ctx.Request.RouteValues["name"]!;
        return registry.Current(name) is { } v ? WriteRaw(ctx, 200, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { ready = true, version = v.Model.Version, loaded_utc = v.LoadedAt.ToString("O") })))
            : throw new BadInputException(404, "name", $"No model named '{InputParser.Clip(name)}'.");
    }

    public Task NotFound(HttpContext ctx) =>
        throw new BadInputException(404, "path", $"No endpoint {ctx.Request.Method} {InputParser.Clip(ctx.Request.Path.Value ?? "")}. See /v2/models/{{name}}/infer, /v2/models/{{name}}/text, /predict, /v2/health/live, /v2/health/ready, /metrics.");

    static Task WriteRaw(HttpContext ctx, int status, byte[] json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = json.Length;
        return ctx.Response.Body.WriteAsync(json).AsTask();
    }

    static async Task WriteJson(HttpContext ctx, ArrayBufferWriter<byte> buffer)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = buffer.WrittenCount;
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    static int IndexOf(IReadOnlyList<string> list, string value) { for (int i = 0; i < list.Count; i++) if (list[i] == value) return i; return -1; }
}
