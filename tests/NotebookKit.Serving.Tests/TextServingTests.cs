using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NotebookKit.Serving.Client;
using NotebookKit.Text;
using static TorchSharp.torch;

namespace NotebookKit.Serving.Tests;

/// <summary>Text packages served: raw text in, the same probabilities as in-process, clear 4xx for bad text.</summary>
public sealed class TextServingTests
{
    [Theory]
    [InlineData("mlp", "onnx")]
    [InlineData("mlp", "torch")]
    [InlineData("bag", "onnx")]
    [InlineData("bag", "torch")]
    [InlineData("transformer", "onnx")]
    [InlineData("transformer", "torch")]
    public async Task Served_probabilities_equal_the_in_process_package_at_1e_5(string model, string backend)
    {
        var dir = model switch { "mlp" => TextModelsForTests.Mlp, "bag" => TextModelsForTests.Bag, _ => TextModelsForTests.Transformer };
        var texts = TextModelsForTests.Stream.Take(300).Append("").Append("ＦＲＥＥ ｍｓｇ！ 😀 Ｃａｌｌ ０８００ ９３０ ７０５７").ToArray();
        using var package = TextPackage.Load(dir, CPU);
        var expected = package.Predict(texts);
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(dir, backend, device: CPU));
        using var client = await ModelClient.ConnectAsync(server, package.Manifest.Name);
        for (int start = 0; start < texts.Length; start += 100)
        {
            var part = texts.Skip(start).Take(100).ToArray();
            var answer = await client.PredictTextsAsync(part);
            Assert.Equal(package.Threshold, answer.Threshold);
            for (int i = 0; i < part.Length; i++)
            {
                Assert.True(Math.Abs(answer.Probabilities[i] - expected[start + i].Probability) <= 1e-5,
                    $"text {start + i}: served {answer.Probabilities[i]}, in-process {expected[start + i].Probability}");
                Assert.Equal(answer.Probabilities[i] >= package.Threshold ? package.Classes[1] : package.Classes[0], answer.Labels[i]);
            }
            Assert.Equal(expected.Skip(start).Take(part.Length).Select(p => p.Label), answer.Labels);
        }
        // A probability spread well away from one value: the comparison above is not between constants.
        Assert.True(expected.Max(p => p.Probability) - expected.Min(p => p.Probability) > 0.3);
        // The single-text form and /predict answer the same.
        var one = await client.PostAsync("/predict", new JsonObject { ["text"] = texts[0] }.ToJsonString());
        Assert.Equal(200, one.Status);
        Assert.Equal(expected[0].Probability, (double)one.Body!["predictions"]![0]!["probability"]!, 1e-5);
    }

    [Fact]
    public async Task Feedback_on_text_predictions_feeds_live_quality()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(TextModelsForTests.Bag, device: CPU));
        using var client = await ModelClient.ConnectAsync(server, "sms-bag");
        var texts = TextModelsForTests.Stream.Take(40).ToArray();
        var answer = await client.PredictTextsAsync(texts);
        var quality = await client.FeedbackAsync(Enumerable.Range(0, texts.Length).Select(i => (answer.Id, i, TextModelsForTests.StreamLabels[i])));
        Assert.Equal(40, quality!.Count);
        double accuracy = Enumerable.Range(0, 40).Average(i => answer.Classes[i] == TextModelsForTests.StreamLabels[i] ? 1.0 : 0.0);
        Assert.Equal(accuracy, quality.Accuracy, 1e-12);
    }

    static string Texts(params string[] texts) => ModelClient.TextsBody(texts);

    [Fact]
    public async Task Limits_and_bad_text_are_4xx_naming_the_field_and_the_limit()
    {
        var options = new ServingOptions { MaxTextChars = 200, MaxTextsPerRequest = 8, MaxBodyBytes = 64 * 1024 };
        await using var server = await ModelServer.StartAsync(options, PackageModels.Load(TextModelsForTests.Mlp, device: CPU), Models.Served());
        using var client = server.CreateClient();
        const string path = "/v2/models/sms-mlp/text";
        var cases = new (string Body, int Status, string Field, string Says)[]
        {
            (Texts(new string('a', 201)), 400, "texts[0]", "The text has 201 characters, over the limit of 200 characters per text (MaxTextChars)"),
            (new JsonObject { ["text"] = new string('b', 201) }.ToJsonString(), 400, "text", "201 characters, over the limit of 200"),
            ("{\"text\":\"" + string.Concat(Enumerable.Repeat("\\u00e9", 201)) + "\"}", 400, "text", "201 characters, over the limit of 200"),
            (Texts(Enumerable.Repeat("hi", 9).ToArray()), 400, "texts", "9 texts exceed the limit of 8 texts per request (MaxTextsPerRequest)"),
            (Texts(new string('c', 70_000)), 413, "body", "limit of 65536 bytes"),
            (Texts("ok", "nul \u0000 inside"), 400, "texts[1]", "U+0000 at index 4"),
            (Texts("bell \u0007"), 400, "texts[0]", "U+0007"),
            (Texts("del \u007f"), 400, "texts[0]", "U+007F"),
            ("{\"texts\":[\"ok\",\"lone \\ud800 high\"]}", 400, "texts[1]", "surrogate"),
            ("{\"text\":\"\\udc00 lone low\"}", 400, "text", "surrogate"),
            ("{\"text\":5}", 400, "text", "Expected a string, got a number"),
            ("{\"texts\":\"one\"}", 400, "texts", "Expected an array of strings, got a string"),
            ("{\"texts\":[\"a\",null]}", 400, "texts[1]", "got null"),
            ("{\"texts\":[[\"nested\"]]}", 400, "texts[0]", "got an array"),
            ("{\"texts\":[]}", 400, "texts", "Empty batch"),
            ("{\"text\":\"a\",\"texts\":[\"b\"]}", 400, "texts", "not both"),
            ("{}", 400, "text", "Missing field"),
            ("[\"a\"]", 400, "body", "Expected a JSON object"),
            ("{\"text\":\"a\",\"rows\":[]}", 400, "rows", "Unknown field"),
            ("{\"text\":\"a\"", 400, "body", "Malformed JSON"),
        };
        foreach (var (body, status, field, says) in cases)
        {
            var (got, json) = await Bodies.Post(client, path, body);
            Assert.True(status == got, $"{body[..Math.Min(60, body.Length)]}: expected {status}, got {got} {json?.ToJsonString()}");
            Assert.Equal(field, (string)json!["field"]!);
            Assert.Contains(says, (string)json["error"]!);
        }

        // A lone surrogate sent raw (its UTF-8 form, which is not valid UTF-8), and a body that is not JSON-typed.
        var raw = Encoding.UTF8.GetBytes("{\"text\":\"x\"}").ToList();
        raw.InsertRange(9, new byte[] { 0xED, 0xA0, 0x80 });
        using var rawContent = new ByteArrayContent(raw.ToArray());
        rawContent.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var rawReply = await client.PostAsync(path, rawContent);
        Assert.Equal(400, (int)rawReply.StatusCode);
        Assert.Contains("UTF-8", await rawReply.Content.ReadAsStringAsync());
        var plain = await client.PostAsync(path, new StringContent("{\"text\":\"hi\"}", Encoding.UTF8, "text/plain"));
        Assert.Equal(415, (int)plain.StatusCode);

        // At the limits, and harmless oddities, it answers.
        foreach (var ok in new[] { Texts(new string('a', 200)), Texts(Enumerable.Repeat("hi", 8).ToArray()), Texts(""), Texts("tab\tnew\nline\r"),
            Texts("C1 quote \u0092 as in the SMS data"), Texts("emoji 😀 pair, RTL \u202e override, zero\u200bwidth, ﷺ") })
        {
            var (got, json) = await Bodies.Post(client, path, ok);
            Assert.True(got == 200, $"{ok[..Math.Min(60, ok.Length)]}: {got} {json?.ToJsonString()}");
        }
        // Token ids sent past the preprocessing are refused (an id beyond the vocabulary must not reach the embedding).
        var (infer, inferJson) = await Bodies.Post(client, "/v2/models/sms-mlp/infer", "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[1e9]}]}");
        Assert.Equal(400, infer);
        Assert.Contains("takes raw text", (string)inferJson!["error"]!);
        // Text sent to a model of feature rows is refused, naming the model.
        var (rowModel, rowJson) = await Bodies.Post(client, "/v2/models/bc/text", Texts("hello"));
        Assert.Equal(400, rowModel);
        Assert.Contains("rows of features", (string)rowJson!["error"]!);
        Assert.DoesNotContain("status=\"5", await client.GetStringAsync("/metrics"));
    }

    /// <summary>Issue 13: a 1 MB string (under the default 1 MiB body cap) is a 400 naming the per-text limit and the
    /// length sent; only a body over the cap is a 413, before any text is read.</summary>
    [Fact]
    public async Task A_1_MB_text_is_a_400_naming_the_limit_and_its_length()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(TextModelsForTests.Bag, device: CPU));
        using var client = server.CreateClient();
        var (status, json) = await Bodies.Post(client, "/v2/models/sms-bag/text", Texts(new string('a', 1_000_000)));
        Assert.Equal(400, status);
        Assert.Equal("texts[0]", (string)json!["field"]!);
        Assert.Contains("1000000 characters, over the limit of 5000 characters per text (MaxTextChars)", (string)json["error"]!);
        var (over, overJson) = await Bodies.Post(client, "/v2/models/sms-bag/text", Texts(new string('a', 1 << 20)));
        Assert.Equal(413, over);
        Assert.Equal("body", (string)overJson!["field"]!);
        Assert.Contains("limit of 1048576 bytes", (string)overJson["error"]!);
    }

    [Fact]
    public async Task Metadata_names_the_text_endpoint_the_threshold_and_the_limits()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(TextModelsForTests.Bag, device: CPU));
        using var client = server.CreateClient();
        var meta = JsonNode.Parse(await client.GetStringAsync("/v2/models/sms-bag"))!;
        Assert.Equal("/v2/models/sms-bag/text", (string)meta["text"]!["endpoint"]!);
        Assert.Equal(0.4, (double)meta["text"]!["threshold"]!);
        Assert.Equal(5000, (int)meta["text"]!["max_text_chars"]!);
        Assert.Equal(TextModelsForTests.ClassNames[1], (string)meta["text"]!["positive_class"]!);
    }
}
