using System.Text;
using System.Text.Json.Nodes;

namespace NotebookKit.Serving.Tests;

/// <summary>Every class of bad input is a 4xx JSON error naming the field; the server keeps serving.</summary>
public sealed class ValidationTests : IAsyncLifetime
{
    ModelServer server = null!;
    HttpClient client = null!;

    public async Task InitializeAsync()
    {
        server = await ModelServer.StartAsync(new ServingOptions { MaxBodyBytes = 64 * 1024, MaxRowsPerRequest = 100 }, Models.Served());
        client = server.CreateClient();
    }

    public async Task DisposeAsync() { client.Dispose(); await server.DisposeAsync(); }

    static string RowWith(Action<JsonObject> change)
    {
        var row = JsonNode.Parse(Bodies.Row(Models.Rows[0]))!.AsObject();
        change(row);
        return "{\"rows\":[" + row.ToJsonString() + "]}";
    }

    static string InferWith(Action<JsonObject> change)
    {
        var body = JsonNode.Parse(Bodies.Infer([Models.Rows[0], Models.Rows[1]]))!.AsObject();
        change(body["inputs"]![0]!.AsObject());
        return body.ToJsonString();
    }

    public static TheoryData<string, string, string, int, string> Cases() => new()
    {
        // case, path, body, status, field
        { "malformed json", "/predict", "{\"rows\": [", 400, "body" },
        { "empty body", "/predict", "", 400, "body" },
        { "not an object", "/predict", "42", 400, "body" },
        { "missing rows", "/predict", "{\"data\": []}", 400, "data" },
        { "rows not an array", "/predict", "{\"rows\": {}}", 400, "rows" },
        { "empty batch", "/predict", "{\"rows\": []}", 400, "rows" },
        { "row not an object", "/predict", "{\"rows\": [[1,2,3]]}", 400, "rows[0]" },
        { "missing feature", "/predict", RowWith(r => r.Remove("mean radius")), 400, "rows[0].mean radius" },
        { "extra feature", "/predict", RowWith(r => r["colour"] = 1), 400, "rows[0].colour" },
        { "string value", "/predict", RowWith(r => r["mean area"] = "big"), 400, "rows[0].mean area" },
        { "null value", "/predict", RowWith(r => r["mean area"] = null), 400, "rows[0].mean area" },
        { "boolean value", "/predict", RowWith(r => r["worst symmetry"] = true), 400, "rows[0].worst symmetry" },
        { "NaN as string", "/predict", RowWith(r => r["mean texture"] = "NaN"), 400, "rows[0].mean texture" },
        { "infinite number", "/predict", RowWith(r => r["mean texture"] = JsonNode.Parse("1e400")), 400, "rows[0].mean texture" },
        { "beyond float32", "/predict", RowWith(r => r["mean texture"] = JsonNode.Parse("1e39")), 400, "rows[0].mean texture" },
        { "too many rows", "/predict", "{\"rows\": [" + string.Join(",", Enumerable.Repeat("{}", 101)) + "]}", 413, "rows" },
        { "missing inputs", "/v2/models/bc/infer", "{}", 400, "inputs" },
        { "two inputs", "/v2/models/bc/infer", "{\"inputs\": [{}, {}]}", 400, "inputs" },
        { "unknown input name", "/v2/models/bc/infer", InferWith(i => i["name"] = "x"), 400, "inputs[0].name" },
        { "wrong width", "/v2/models/bc/infer", InferWith(i => i["shape"] = new JsonArray(2, 29)), 400, "inputs[0].shape[1]" },
        { "three dimensions", "/v2/models/bc/infer", InferWith(i => i["shape"] = new JsonArray(2, 30, 1)), 400, "inputs[0].shape" },
        { "negative dimension", "/v2/models/bc/infer", InferWith(i => i["shape"] = new JsonArray(-2, 30)), 400, "inputs[0].shape[0]" },
        { "zero rows", "/v2/models/bc/infer", InferWith(i => { i["shape"] = new JsonArray(0, 30); i["data"] = new JsonArray(); }), 400, "inputs[0].shape[0]" },
        { "data shorter than shape", "/v2/models/bc/infer", InferWith(i => i["shape"] = new JsonArray(3, 30)), 400, "inputs[0].data" },
        { "unsupported datatype", "/v2/models/bc/infer", InferWith(i => i["datatype"] = "BYTES"), 400, "inputs[0].datatype" },
        { "string in data", "/v2/models/bc/infer", InferWith(i => i["data"]![5] = "x"), 400, "inputs[0].data[5]" },
        { "fraction for INT64", "/v2/models/bc/infer", InferWith(i => i["datatype"] = "INT64"), 400, "inputs[0].data[0]" },
        { "nested row too short", "/v2/models/bc/infer", InferWith(i => i["data"] = new JsonArray(new JsonArray(1, 2), new JsonArray(1, 2))), 400, "inputs[0].data[0]" },
        { "unknown output", "/v2/models/bc/infer", "{\"inputs\":" + JsonNode.Parse(Bodies.Infer([Models.Rows[0]]))!["inputs"]!.ToJsonString() + ",\"outputs\":[{\"name\":\"embedding\"}]}", 400, "outputs[0].name" },
        { "rows beyond the limit", "/v2/models/bc/infer", InferWith(i => i["shape"] = new JsonArray(1000, 30)), 413, "inputs[0].shape[0]" },
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_client_error_naming_the_field(string name, string path, string body, int status, string field)
    {
        var (actual, json) = await Bodies.Post(client, path, body);
        Assert.True(status == actual, $"{name}: status {actual}, expected {status}: {json}");
        Assert.NotNull(json);
        Assert.Equal(field, (string?)json!["field"]);
        var message = (string?)json["error"];
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.DoesNotContain("   at ", message); // no stack trace
        // and the server still answers a good request
        Assert.Equal(200, (await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]))).Status);
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        var big = "{\"rows\": [" + new string(' ', 70 * 1024) + "]}";
        var (status, json) = await Bodies.Post(client, "/predict", big);
        Assert.Equal(413, status);
        Assert.Equal("body", (string?)json!["field"]);
    }

    [Fact]
    public async Task An_oversized_chunked_body_without_length_is_413()
    {
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string('[', 70 * 1024))));
        content.Headers.ContentLength = null;
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_wrong_method_is_not_a_server_error()
    {
        using var response = await client.GetAsync("/predict");
        Assert.InRange((int)response.StatusCode, 400, 499);
    }
}
