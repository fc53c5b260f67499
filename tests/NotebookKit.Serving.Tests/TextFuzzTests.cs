using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NotebookKit.Text;
using static TorchSharp.torch;

namespace NotebookKit.Serving.Tests;

/// <summary>Hostile text against a served text package: thousands of requests, no 5xx, in bounded time.</summary>
public sealed class TextFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Requests = 4000;

    /// <summary>Texts built to hurt a normaliser or tokeniser: regex backtracking bait, NFKC expansion, long runs.</summary>
    static string[] Adversarial(int n) =>
    [
        string.Concat(Enumerable.Repeat("www.", n / 4)),
        string.Concat(Enumerable.Repeat("a.", n / 2)),
        string.Concat(Enumerable.Repeat("a-", n / 2)) + ".co",
        string.Concat(Enumerable.Repeat("1 ", n / 2)),
        string.Concat(Enumerable.Repeat("+1-", n / 3)),
        string.Concat(Enumerable.Repeat("a@", n / 2)),
        "http://" + new string('x', n - 7),
        string.Concat(Enumerable.Repeat("1.1,", n / 4)),
        new string('\uFDFA', n),                              // NFKC: one character becomes 18
        "a" + new string('\u0301', n - 1),                   // a letter with thousands of combining accents
        string.Concat(Enumerable.Repeat("👨‍👩‍👧‍👦", n / 11)),   // ZWJ emoji sequences
        string.Concat(Enumerable.Repeat("\u202e\u200b\ufeff\uffff", n / 4)),
        new string(' ', n),
        string.Concat(Enumerable.Repeat("ß", n)),
    ];

    // The normaliser's and tokeniser's time in proportion to the text's length is tested where they live:
    // NotebookKit.Tests/Text/TextLinearTimeTests.cs.

    [Fact]
    public async Task Thousands_of_hostile_text_requests_get_no_5xx_in_bounded_time()
    {
        var clock = Stopwatch.StartNew();
        var options = new ServingOptions { MaxTextsPerRequest = 32 };   // default MaxTextChars, 5000
        await using var server = await ModelServer.StartAsync(options, PackageModels.Load(TextModelsForTests.Bag, device: CPU),
            PackageModels.Load(TextModelsForTests.Mlp, device: CPU));
        using var client = server.CreateClient();
        var statuses = new ConcurrentDictionary<int, int>();
        var fiveHundreds = new ConcurrentBag<string>();
        var transport = new ConcurrentBag<string>();
        int next = -1;

        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (Interlocked.Increment(ref next) < Requests)
            {
                var (path, body, contentType) = Make(random);
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
                if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                HttpResponseMessage response;
                try { response = await client.SendAsync(request); }
                catch (HttpRequestException e) { transport.Add($"{path} ({body.Length} bytes): {e.InnerException?.Message ?? e.Message}"); continue; }
                using var _ = response;
                int status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status >= 500)
                    fiveHundreds.Add($"{status} {path}: {Encoding.UTF8.GetString(body[..Math.Min(200, body.Length)])} -> {await response.Content.ReadAsStringAsync()}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(s => Task.Run(() => Worker(500 + s))));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s; status mix: " + string.Join(", ", statuses.OrderBy(k => k.Key).Select(k => $"{k.Key} x {k.Value}")));
        Assert.True(transport.IsEmpty, transport.Count + " transport errors: " + string.Join("\n", transport.Take(5)));
        Assert.True(fiveHundreds.IsEmpty, string.Join("\n", fiveHundreds.Take(5)));
        Assert.Equal(Requests, statuses.Values.Sum());
        foreach (var expected in new[] { 200, 400, 413, 415 }) Assert.True(statuses.GetValueOrDefault(expected) > 50, $"too few {expected}s");
        Assert.Equal(200, (int)(await client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(200, (await Bodies.Post(client, "/v2/models/sms-bag/text", "{\"text\":\"still here\"}")).Status);
        Assert.DoesNotContain("status=\"5", await client.GetStringAsync("/metrics"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the fuzz took {clock.Elapsed.TotalSeconds:F1} s");
    }

    static readonly string[] Paths = ["/v2/models/sms-bag/text", "/v2/models/sms-mlp/text", "/predict?model=sms-bag",
        "/v2/models/sms-mlp/versions/1/text", "/v2/models/sms-bag/versions/9/text", "/v2/models/nope/text", "/v2/models/sms-bag/infer"];

    static readonly string[] Escapes = ["\\ud800", "\\udfff", "\\udc00\\ud800", "\\u0000", "\\u0007", "\\u001b", "\\u007f", "\\u0092",
        "\\ud83d\\ude00", "\\\\ud800", "\\\"", "\\n", "\\t", "\\u202e", "\\ufeff", "\\uffff"];

    static readonly byte[][] RawBytes = [[0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xC0, 0x80], [0xFF], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x00], [0x07], [0x1B]];

    static (string Path, byte[] Body, string? ContentType) Make(Random r)
    {
        var path = Paths[r.Next(Paths.Length)];
        string? type = r.Next(12) switch { 0 => "text/plain", 1 => null, 2 => "application/json; charset=utf-16", 3 => "application/problem+json", _ => "application/json" };
        string Text() => TextModelsForTests.Stream[r.Next(TextModelsForTests.Stream.Length)];
        string Quote(string s) => JsonValue.Create(s)!.ToJsonString();
        switch (r.Next(11))
        {
            case 0: // an escape sequence spliced into a text
            {
                var t = Quote(Text());
                int at = 1 + r.Next(t.Length - 1);
                return (path, Encoding.UTF8.GetBytes($"{{\"texts\":[{t[..at]}{Escapes[r.Next(Escapes.Length)]}{t[at..]}]}}"), type);
            }
            case 1: // raw bytes that are not valid UTF-8, or control bytes inside a string
            {
                var text = Text();
                var head = Encoding.UTF8.GetBytes("{\"text\":\"" + text[..Math.Min(20, text.Length)]);
                return (path, [.. head, .. RawBytes[r.Next(RawBytes.Length)], .. "\"}"u8.ToArray()], type);
            }
            case 2: // adversarial text, near or over the per-text limit
            {
                var cases = Adversarial(r.Next(2) == 0 ? 5_000 : 4_900 + r.Next(200));
                return (path, Encoding.UTF8.GetBytes($"{{\"text\":{Quote(cases[r.Next(cases.Length)])}}}"), type);
            }
            case 3: // a 1 MB string (over the body limit), or 1 MB of texts
                return (path, Encoding.UTF8.GetBytes(r.Next(2) == 0 ? $"{{\"text\":\"{new string('a', 1 << 20)}\"}}"
                    : ModelClientBody(Enumerable.Repeat(new string('b', 4_000), 300))), type);
            case 4: // wrong JSON types
            {
                string[] values = ["5", "null", "true", "{}", "[]", "[[\"a\"]]", "{\"text\":\"a\"}", "[1,2]", "\"a\"", "-0", "1e400"];
                var field = r.Next(2) == 0 ? "text" : "texts";
                return (path, Encoding.UTF8.GetBytes($"{{\"{field}\":{values[r.Next(values.Length)]}}}"), type);
            }
            case 5: // too many texts
                return (path, Encoding.UTF8.GetBytes(ModelClientBody(Enumerable.Range(0, 33 + r.Next(100)).Select(_ => Text()))), type);
            case 6: // flip bytes of a valid body
            {
                var bytes = Encoding.UTF8.GetBytes(ModelClientBody([Text(), Text()]));
                for (int k = r.Next(1, 6); k > 0; k--) bytes[r.Next(bytes.Length)] = (byte)r.Next(256);
                return (path, bytes, type);
            }
            case 7: // truncated
            {
                var bytes = Encoding.UTF8.GetBytes(ModelClientBody([Text()]));
                return (path, bytes[..r.Next(bytes.Length)], type);
            }
            case 8: // control characters, escaped as JSON allows
            {
                var c = (char)(r.Next(2) == 0 ? r.Next(0, 32) : 127);
                return (path, Encoding.UTF8.GetBytes($"{{\"texts\":[{Quote(Text() + c + Text())}]}}"), type);
            }
            default: // valid
                return (path, Encoding.UTF8.GetBytes(ModelClientBody(Enumerable.Range(0, 1 + r.Next(5)).Select(_ => Text()))), type);
        }
    }

    static string ModelClientBody(IEnumerable<string> texts) => NotebookKit.Serving.Client.ModelClient.TextsBody(texts);
}
