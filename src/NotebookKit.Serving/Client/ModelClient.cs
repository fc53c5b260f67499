using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using NotebookKit.Display;
using NotebookKit.Monitoring;

namespace NotebookKit.Serving.Client;

/// <summary>A server's answer: the HTTP status and the JSON body (null when the body is empty).</summary>
public sealed record Reply(int Status, JsonNode? Body)
{
    public bool Ok => Status is >= 200 and < 300;
    /// <summary>The error message of a 4xx/5xx JSON answer ({"error", "field"}), else null.</summary>
    public string? Error => Body is JsonObject o ? (string?)o["error"] : null;
    /// <summary>The input field a 4xx answer names, else null.</summary>
    public string? Field => Body is JsonObject o ? (string?)o["field"] : null;
}

/// <summary>One <c>/predict</c> answer: the id to send feedback with, and per row the class and its probabilities
/// (in the model's class order).</summary>
public sealed record Prediction(string Id, int[] Classes, float[][] Probabilities);

/// <summary>One text model answer: the id to send feedback with (row i is text i), the threshold the server decided
/// at, and per text the label, class index and P(positive class).</summary>
public sealed record TextAnswer(string Id, double Threshold, string[] Labels, int[] Classes, double[] Probabilities);

/// <summary>
/// A client for one model on the kit's model server (08-export-and-serving, 09-monitoring): builds the JSON the
/// endpoints take from float rows, and reads their answers. Bad input is an answer to read (<see cref="Reply"/>
/// keeps the status), not an exception; <see cref="PredictAsync"/> and <see cref="FeedbackAsync"/>, which the
/// notebooks expect to succeed, throw naming the status and the server's error instead.
/// </summary>
public sealed class ModelClient : IDisposable
{
    public HttpClient Http { get; }
    public string Model { get; }
    public IReadOnlyList<string> FeatureNames { get; }
    public IReadOnlyList<string> ClassNames { get; }

    public ModelClient(HttpClient http, string model, IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null) throw new ArgumentException("The HttpClient needs a BaseAddress (the server's URL).", nameof(http));
        if (featureNames.Count == 0) throw new ArgumentException("No feature names.", nameof(featureNames));
        Http = http; Model = model; FeatureNames = featureNames.ToArray(); ClassNames = classNames.ToArray();
    }

    /// <summary>A client for <paramref name="model"/> that reads the feature and class names from the server's
    /// metadata endpoint. Disposing the client disposes <paramref name="http"/>.</summary>
    public static async Task<ModelClient> ConnectAsync(HttpClient http, string model)
    {
        var reply = await GetAsync(http, $"/v2/models/{Uri.EscapeDataString(model)}");
        if (!reply.Ok) throw new HttpRequestException($"GET metadata of '{model}': {reply.Status} {reply.Error}");
        var features = reply.Body!["inputs"]![0]!["parameters"]!["features"]!.AsArray().Select(n => (string)n!).ToArray();
        var classes = reply.Body["parameters"]!["classes"]!.AsArray().Select(n => (string)n!).ToArray();
        return new ModelClient(http, model, features, classes);
    }

    /// <summary>A client for <paramref name="model"/> on an in-process <paramref name="server"/> (API key sent when
    /// the server has one and <paramref name="withApiKey"/> is true).</summary>
    public static Task<ModelClient> ConnectAsync(ModelServer server, string model, bool withApiKey = true) =>
        ConnectAsync(server.CreateClient(withApiKey), model);

    /// <summary>One row as the JSON object <c>/predict</c> takes: {"feature name": value, ...}.</summary>
    public JsonObject RowObject(float[] row)
    {
        if (row.Length != FeatureNames.Count)
            throw new ArgumentException($"The row has {row.Length} values; the model takes {FeatureNames.Count}.", nameof(row));
        var o = new JsonObject();
        for (int j = 0; j < row.Length; j++) o[FeatureNames[j]] = row[j];
        return o;
    }

    /// <summary>The <c>/predict</c> body for <paramref name="rows"/>: {"rows": [{...}, ...]}.</summary>
    public string PredictBody(IEnumerable<float[]> rows) => PredictBody(rows.Select(RowObject));

    /// <summary>The <c>/predict</c> body for rows already written as JSON objects (e.g. edited ones).</summary>
    public static string PredictBody(IEnumerable<JsonObject> rows) =>
        new JsonObject { ["rows"] = new JsonArray(rows.Select(r => (JsonNode)r.DeepClone()).ToArray()) }.ToJsonString();

    /// <summary>The Open Inference Protocol body: one FP32 tensor [rows, features].</summary>
    public string InferBody(IReadOnlyList<float[]> rows)
    {
        if (rows.Any(r => r.Length != FeatureNames.Count))
            throw new ArgumentException($"Every row must have {FeatureNames.Count} values.", nameof(rows));
        var input = new JsonObject
        {
            ["name"] = ServedModel.InputName, ["shape"] = new JsonArray(rows.Count, FeatureNames.Count), ["datatype"] = "FP32",
            ["data"] = new JsonArray(rows.SelectMany(r => r).Select(v => (JsonNode)v).ToArray()),
        };
        return new JsonObject { ["inputs"] = new JsonArray(input) }.ToJsonString();
    }

    /// <summary>POSTs <paramref name="json"/> to <paramref name="path"/> and returns the status and JSON body.</summary>
    public Task<Reply> PostAsync(string path, string json) => PostAsync(Http, path, json);

    public static async Task<Reply> PostAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return await ReadAsync(response);
    }

    public Task<Reply> GetAsync(string path) => GetAsync(Http, path);

    static async Task<Reply> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return await ReadAsync(response);
    }

    static async Task<Reply> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return new Reply((int)response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    /// <summary>Predicts <paramref name="rows"/> through <c>/predict</c>; throws naming the status and error unless 200.</summary>
    public async Task<Prediction> PredictAsync(IReadOnlyList<float[]> rows)
    {
        var reply = await PostAsync("/predict", PredictBody(rows));
        if (!reply.Ok) throw new HttpRequestException($"/predict answered {reply.Status}: {reply.Error}");
        var predictions = reply.Body!["predictions"]!.AsArray();
        var classes = predictions.Select(p => (int)p!["class"]!).ToArray();
        var probabilities = predictions.Select(p => p!["probabilities"]!.AsObject().Select(kv => (float)kv.Value!).ToArray()).ToArray();
        return new Prediction((string)(reply.Body["feedback_id"] ?? reply.Body["id"])!, classes, probabilities);
    }

    /// <summary>Predicts through the Open Inference Protocol endpoint; the predicted classes, in row order.</summary>
    public async Task<int[]> InferLabelsAsync(IReadOnlyList<float[]> rows)
    {
        var reply = await PostAsync($"/v2/models/{Model}/infer", InferBody(rows));
        if (!reply.Ok) throw new HttpRequestException($"infer answered {reply.Status}: {reply.Error}");
        var label = reply.Body!["outputs"]!.AsArray().Single(o => (string?)o!["name"] == "label")!;
        return label["data"]!.AsArray().Select(n => (int)n!).ToArray();
    }

    /// <summary>The body a text model takes: <c>{"texts": [...]}</c>.</summary>
    public static string TextsBody(IEnumerable<string> texts) =>
        new JsonObject { ["texts"] = new JsonArray(texts.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()) }.ToJsonString();

    /// <summary>Predicts raw <paramref name="texts"/> through <c>/v2/models/{name}/text</c> (a text package); throws
    /// naming the status and error unless 200.</summary>
    public async Task<TextAnswer> PredictTextsAsync(IReadOnlyList<string> texts)
    {
        var reply = await PostAsync($"/v2/models/{Model}/text", TextsBody(texts));
        if (!reply.Ok) throw new HttpRequestException($"text answered {reply.Status}: {reply.Error}");
        var predictions = reply.Body!["predictions"]!.AsArray();
        return new TextAnswer((string)reply.Body["feedback_id"]!, (double)reply.Body["threshold"]!,
            predictions.Select(p => (string)p!["label"]!).ToArray(), predictions.Select(p => (int)p!["class"]!).ToArray(),
            predictions.Select(p => (double)p!["probability"]!).ToArray());
    }

    /// <summary>The server's text drift report over its window (null until the window is full, or when the package has
    /// no drift reference), and its rolling quality.</summary>
    public async Task<(TextDriftReport? Drift, QualitySnapshot? Quality)> TextDriftAsync()
    {
        var reply = await GetAsync($"/v2/models/{Model}/drift");
        if (!reply.Ok) throw new HttpRequestException($"drift answered {reply.Status}: {reply.Error}");
        TextDriftReport? report = null;
        if (reply.Body!["text"] is JsonObject text && (bool)text["ready"]!)
            report = new TextDriftReport((int)text["window_texts"]!, (long)text["texts_seen"]!, text["signals"]!.AsArray().Select(s => new TextSignal(
                (string)s!["signal"]!, (double)s["value"]!, (double)s["reference"]!, (double)s["noise_floor"]!, (double)s["threshold"]!, (bool)s["alert"]!)).ToArray());
        return (report, Quality(reply.Body["quality"]));
    }

    /// <summary>Sends true labels for earlier predictions (id, row within that request, class index) and returns
    /// the server's rolling quality after them (null while it holds no labels).</summary>
    public async Task<QualitySnapshot?> FeedbackAsync(IEnumerable<(string Id, int Row, int Label)> labels)
    {
        var items = labels.Select(l => (JsonNode)new JsonObject { ["id"] = l.Id, ["row"] = l.Row, ["label"] = l.Label }).ToArray();
        var reply = await PostAsync($"/v2/models/{Model}/feedback", new JsonObject { ["feedback"] = new JsonArray(items) }.ToJsonString());
        if (!reply.Ok) throw new HttpRequestException($"feedback answered {reply.Status}: {reply.Error}");
        return Quality(reply.Body!["quality"]);
    }

    QualitySnapshot? Quality(JsonNode? q)
    {
        if (q is not JsonObject o || !o.ContainsKey("count")) return null;
        int positive = o["positive_class"] is JsonNode name ? ClassNames.ToList().IndexOf((string)name!) : 1;
        return new QualitySnapshot((int)o["count"]!, (double)o["accuracy"]!, (double)o["f1"]!, (double?)o["auc"], positive);
    }

    /// <summary>The server's drift report over its current window, and its rolling quality. The report is null while
    /// the window holds fewer rows than the server's minimum (or drift is off).</summary>
    public async Task<(DriftReport? Drift, QualitySnapshot? Quality)> DriftAsync()
    {
        var reply = await GetAsync($"/v2/models/{Model}/drift");
        if (!reply.Ok) throw new HttpRequestException($"drift answered {reply.Status}: {reply.Error}");
        var features = reply.Body!["features"]!.AsArray().Select(f => new FeatureDrift((string)f!["feature"]!, (double)f["psi"]!,
            (double)f["ks_statistic"]!, (double)f["ks_pvalue"]!, (bool)f["alert"]!)).ToArray();
        var report = features.Length == 0 ? null : new DriftReport((int)reply.Body["window_rows"]!, features);
        return (report, Quality(reply.Body["quality"]));
    }

    /// <summary>The lines of <c>/metrics</c> (Prometheus text) whose series start with one of <paramref name="prefixes"/>.</summary>
    public async Task<string[]> MetricLinesAsync(params string[] prefixes)
    {
        var text = await Http.GetStringAsync("/metrics");
        return text.Split('\n').Where(l => !l.StartsWith('#') && prefixes.Any(l.StartsWith)).ToArray();
    }

    /// <summary>Prometheus lines as a two-column table: series (name and labels) and value.</summary>
    public static HtmlTable MetricTable(IEnumerable<string> lines, string? caption = null)
    {
        var table = new HtmlTable(["series", "value"], caption);
        foreach (var l in lines)
        {
            int space = l.LastIndexOf(' ');
            if (space < 0) throw new FormatException($"'{l}' is not a Prometheus sample line (series value).");
            table.AddRow(l[..space], double.Parse(l[(space + 1)..], CultureInfo.InvariantCulture));
        }
        return table;
    }

    /// <summary>
    /// A short closed-loop load: <paramref name="callers"/> tasks send <paramref name="body"/> to
    /// <paramref name="path"/> until <paramref name="requests"/> have been sent, each timing its own requests.
    /// </summary>
    public async Task<LoadResult> LoadAsync(string path, string body, int requests, int callers = 16)
    {
        if (requests < 1) throw new ArgumentOutOfRangeException(nameof(requests), "Send at least one request.");
        if (callers < 1) throw new ArgumentOutOfRangeException(nameof(callers), "Use at least one caller.");
        var latencies = new double[requests];
        int next = -1, failures = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                using var r = await Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
                latencies[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!r.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
        })));
        return new LoadResult(callers, clock.Elapsed.TotalSeconds, latencies, failures);
    }

    public void Dispose() => Http.Dispose();
}
