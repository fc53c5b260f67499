using System.Net;
using System.Text.Json.Nodes;

namespace NotebookKit.Serving.Tests;

public sealed class EndpointTests : IAsyncLifetime
{
    ModelServer server = null!;
    HttpClient client = null!;

    public async Task InitializeAsync()
    {
        server = await ModelServer.StartAsync(new ServingOptions(), Models.Served());
        client = server.CreateClient();
    }

    public async Task DisposeAsync() { client.Dispose(); await server.DisposeAsync(); }

    [Fact]
    public void The_server_binds_loopback_on_a_free_port()
    {
        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
    }

    [Fact]
    public async Task Health_is_live_and_ready()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/live")).StatusCode);
        var ready = await client.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["ready"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/bc/ready")).StatusCode);
    }

    [Fact]
    public async Task Metadata_describes_the_input_schema_classes_and_version()
    {
        var meta = JsonNode.Parse(await client.GetStringAsync("/v2/models/bc"))!;
        Assert.Equal("bc", (string?)meta["name"]);
        Assert.Equal("1", (string?)meta["version"]);
        Assert.StartsWith("torchsharp/", (string?)meta["platform"]);
        var input = meta["inputs"]![0]!;
        Assert.Equal("FP32", (string?)input["datatype"]);
        Assert.Equal(30, (int)input["shape"]![1]!);
        Assert.Equal(Models.Data.FeatureNames, input["parameters"]!["features"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(Models.Data.ClassNames, meta["parameters"]!["classes"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public async Task Predict_returns_the_probabilities_TorchSharp_computes_directly()
    {
        var rows = Models.Rows;
        foreach (int i in new[] { 0, 7, 100, 568 })
        {
            var (status, json) = await Bodies.Post(client, "/predict", Bodies.Predict(rows[i]));
            Assert.Equal(200, status);
            var expected = Models.Direct(rows[i]);
            var p = json!["predictions"]![0]!;
            var probs = Models.Data.ClassNames.Select(c => (float)p["probabilities"]![c]!).ToArray();
            Assert.Equal(expected[0], probs[0], 5);
            Assert.Equal(expected[1], probs[1], 5);
            int argmax = expected[1] > expected[0] ? 1 : 0;
            Assert.Equal(argmax, (int)p["class"]!);
            Assert.Equal(Models.Data.ClassNames[argmax], (string?)p["label"]);
            Assert.Equal("1", (string?)json["version"]);
        }
    }

    [Fact]
    public async Task A_batch_of_rows_comes_back_in_order()
    {
        var rows = Models.Rows.Take(32).ToArray();
        var (status, json) = await Bodies.Post(client, "/predict", Bodies.Predict(rows));
        Assert.Equal(200, status);
        var predictions = json!["predictions"]!.AsArray();
        Assert.Equal(32, predictions.Count);
        for (int i = 0; i < 32; i++)
            Assert.Equal(Models.Direct(rows[i])[1], (float)predictions[i]!["probabilities"]![Models.Data.ClassNames[1]]!, 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Infer_speaks_open_inference_protocol_v2_with_flat_or_nested_data(bool nested)
    {
        var rows = Models.Rows.Skip(10).Take(3).ToArray();
        var (status, json) = await Bodies.Post(client, "/v2/models/bc/infer", Bodies.Infer(rows, nested));
        Assert.Equal(200, status);
        Assert.Equal("bc", (string?)json!["model_name"]);
        Assert.Equal("1", (string?)json["model_version"]);
        var outputs = json["outputs"]!.AsArray();
        var probs = outputs.Single(o => (string?)o!["name"] == "probabilities")!;
        Assert.Equal([3, 2], probs["shape"]!.AsArray().Select(n => (int)n!));
        var data = probs["data"]!.AsArray().Select(n => (float)n!).ToArray();
        var labels = outputs.Single(o => (string?)o!["name"] == "label")!["data"]!.AsArray().Select(n => (int)n!).ToArray();
        for (int i = 0; i < 3; i++)
        {
            var e = Models.Direct(rows[i]);
            Assert.Equal(e[0], data[i * 2], 5);
            Assert.Equal(e[1], data[i * 2 + 1], 5);
            Assert.Equal(e[1] > e[0] ? 1 : 0, labels[i]);
        }
    }

    [Fact]
    public async Task Infer_returns_only_the_outputs_asked_for_and_echoes_the_id()
    {
        var body = JsonNode.Parse(Bodies.Infer([Models.Rows[0]]))!;
        body["id"] = "req-42";
        body["outputs"] = new JsonArray(new JsonObject { ["name"] = "label" });
        var (status, json) = await Bodies.Post(client, "/v2/models/bc/infer", body.ToJsonString());
        Assert.Equal(200, status);
        Assert.Equal("req-42", (string?)json!["id"]);
        Assert.Equal(["label"], json["outputs"]!.AsArray().Select(o => (string)o!["name"]!));
    }

    [Fact]
    public async Task A_version_can_be_addressed_explicitly()
    {
        var (status, _) = await Bodies.Post(client, "/v2/models/bc/versions/1/infer", Bodies.Infer([Models.Rows[0]]));
        Assert.Equal(200, status);
        var (missing, json) = await Bodies.Post(client, "/v2/models/bc/versions/9/infer", Bodies.Infer([Models.Rows[0]]));
        Assert.Equal(404, missing);
        Assert.Equal("version", (string?)json!["field"]);
    }

    [Fact]
    public async Task Metrics_count_requests_by_status_latency_batches_classes_and_version()
    {
        await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0], Models.Rows[1]));
        await Bodies.Post(client, "/predict", "{bad");
        var text = await client.GetStringAsync("/metrics");
        Assert.Matches("nbkit_requests_total\\{endpoint=\"predict\",status=\"200\"\\} [1-9]", text);
        Assert.Matches("nbkit_requests_total\\{endpoint=\"predict\",status=\"400\"\\} [1-9]", text);
        Assert.Contains("nbkit_request_duration_seconds_bucket{endpoint=\"predict\"", text);
        Assert.Matches("nbkit_batch_rows_sum\\{model=\"bc\"\\} [1-9]", text);
        Assert.Matches("nbkit_predictions_total\\{model=\"bc\",class=\"(malignant|benign)\"\\} [1-9]", text);
        Assert.Contains("nbkit_model_info{model=\"bc\",version=\"1\",backend=\"torchsharp/cpu\"} 1", text);
    }

    [Fact]
    public async Task Unknown_paths_and_models_are_404_with_json()
    {
        var (status, json) = await Bodies.Post(client, "/v2/models/nope/infer", Bodies.Infer([Models.Rows[0]]));
        Assert.Equal(404, status);
        Assert.Equal("name", (string?)json!["field"]);
        var missing = await client.GetAsync("/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("path", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["field"]);
    }
}
