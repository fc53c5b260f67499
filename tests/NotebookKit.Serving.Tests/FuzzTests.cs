using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace NotebookKit.Serving.Tests;

/// <summary>Random and malformed requests never get a 5xx, and the server answers normally afterwards.</summary>
public sealed class FuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Requests = 10_000;
    [ThreadStatic] static int LastCase;

    [Fact]
    public async Task Ten_thousand_malformed_requests_get_no_5xx_and_the_server_stays_live()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { MaxBodyBytes = 32 * 1024, MaxRowsPerRequest = 64 }, Models.Served(), Models.Served("m2", "3"));
        using var client = server.CreateClient();
        var valid = new[]
        {
            ("/predict?model=bc", Bodies.Predict(Models.Rows[0], Models.Rows[1])),
            ("/v2/models/bc/infer", Bodies.Infer([Models.Rows[2], Models.Rows[3]])),
            ("/v2/models/bc/infer", Bodies.Infer([Models.Rows[4]], nested: true)),
            ("/v2/models/bc/feedback", "{\"feedback\":[{\"id\":\"r1\",\"row\":0,\"label\":\"benign\"}]}"),
        };
        var paths = new[] { "/predict", "/predict?model=m2", "/predict?model=zz", "/v2/models/bc/infer", "/v2/models/m2/versions/3/infer",
            "/v2/models/bc/versions/x/infer", "/v2/models/bc/feedback", "/v2/models/bc", "/metrics", "/v2/health/ready", "/v2/models/%00/infer",
            "/v2/models/bc/drift", "/", "/v2/models/" + new string('a', 300) + "/infer" };
        var statuses = new ConcurrentDictionary<int, int>();
        var fiveHundreds = new ConcurrentBag<string>();
        var transport = new ConcurrentBag<string>();
        int next = -1;

        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= Requests) return;
                var (method, path, body, contentType) = Make(random, valid, paths);
                using var request = new HttpRequestMessage(method, path);
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                }
                HttpResponseMessage response;
                try { response = await client.SendAsync(request); }
                catch (HttpRequestException e)
                {
                    transport.Add($"case {LastCase} {method} {path} ({body?.Length} bytes): {e.InnerException?.Message ?? e.Message}");
                    continue;
                }
                using var _ = response;
                int status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status >= 500)
                    fiveHundreds.Add($"{status} {method} {path}: {Encoding.UTF8.GetString(body ?? []).Substring(0, Math.Min(200, body?.Length ?? 0))} -> {await response.Content.ReadAsStringAsync()}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(s => Task.Run(() => Worker(1000 + s))));
        output.WriteLine("status mix: " + string.Join(", ", statuses.OrderBy(k => k.Key).Select(k => $"{k.Key} x {k.Value}")));
        Assert.True(transport.IsEmpty, transport.Count + " transport errors: " + string.Join("\n", transport.Take(5)));
        Assert.True(fiveHundreds.IsEmpty, string.Join("\n", fiveHundreds.Take(5)));
        Assert.Equal(Requests, statuses.Values.Sum());
        Assert.True(statuses.Keys.Count(s => s is >= 400 and < 500) >= 3, "status mix: " + string.Join(", ", statuses.OrderBy(k => k.Key).Select(k => $"{k.Key}x{k.Value}")));
        Assert.True(statuses.GetValueOrDefault(200) > 0, "no valid request survived mutation");

        Assert.Equal(200, (int)(await client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(200, (await Bodies.Post(client, "/predict?model=bc", Bodies.Predict(Models.Rows[5]))).Status);
        Assert.DoesNotContain("status=\"500\"", await client.GetStringAsync("/metrics"));
    }

    static (HttpMethod, string, byte[]?, string?) Make(Random r, (string Path, string Body)[] valid, string[] paths)
    {
        var (path, body) = valid[r.Next(valid.Length)];
        LastCase = -1;
        var bytes = Encoding.UTF8.GetBytes(body);
        string? contentType = r.Next(10) == 0 ? "text/plain" : "application/json";
        int kind = r.Next(12);
        LastCase = kind;
        switch (kind)
        {
            case 0: // flip random bytes
                bytes = (byte[])bytes.Clone();
                for (int k = r.Next(1, 6); k > 0; k--) bytes[r.Next(bytes.Length)] = (byte)r.Next(256);
                break;
            case 1: // truncate
                bytes = bytes[..r.Next(bytes.Length)];
                break;
            case 2: // random bytes
                bytes = new byte[r.Next(0, 2000)];
                r.NextBytes(bytes);
                break;
            case 3: // replace a number by a random token
                bytes = Encoding.UTF8.GetBytes(ReplaceNumber(body, r, ["\"x\"", "null", "true", "[]", "{}", "1e400", "-1e39", "NaN", "Infinity", "1.5e-50", "-0", "99999999999999999999999"]));
                break;
            case 4: // random JSON value
                bytes = Encoding.UTF8.GetBytes(RandomJson(r, 0));
                break;
            case 5: // delete a random span
                {
                    int a = r.Next(bytes.Length), len = r.Next(1, Math.Max(2, bytes.Length - a));
                    bytes = bytes[..a].Concat(bytes[Math.Min(bytes.Length, a + len)..]).ToArray();
                    break;
                }
            case 6: // duplicate a span (extra features, wrong shapes)
                {
                    int a = r.Next(bytes.Length), len = r.Next(1, Math.Min(200, bytes.Length - a + 1));
                    bytes = bytes[..(a + len)].Concat(bytes[a..]).ToArray();
                    break;
                }
            case 7: // other paths and methods
                path = paths[r.Next(paths.Length)];
                return (r.Next(3) switch { 0 => HttpMethod.Get, 1 => HttpMethod.Put, _ => HttpMethod.Post }, path, r.Next(2) == 0 ? bytes : null, contentType);
            case 8: // deep nesting
                bytes = Encoding.UTF8.GetBytes(new string('[', r.Next(1, 500)) + new string(']', r.Next(0, 500)));
                break;
            case 9: // oversized
                bytes = Encoding.UTF8.GetBytes("{\"rows\":[" + string.Join(",", Enumerable.Repeat(Bodies.Row(Models.Rows[0]), r.Next(40, 80))) + "]}");
                break;
            case 10: // many rows beyond the per-request limit
                bytes = Encoding.UTF8.GetBytes(Bodies.Infer(Enumerable.Repeat(Models.Rows[0], r.Next(60, 120)).ToArray()));
                break;
            default: // valid
                break;
        }
        return (HttpMethod.Post, path, bytes, contentType);
    }

    static string ReplaceNumber(string body, Random r, string[] tokens)
    {
        var matches = System.Text.RegularExpressions.Regex.Matches(body, "-?[0-9][0-9.eE+-]*");
        if (matches.Count == 0) return body;
        var m = matches[r.Next(matches.Count)];
        return body[..m.Index] + tokens[r.Next(tokens.Length)] + body[(m.Index + m.Length)..];
    }

    static string RandomJson(Random r, int depth) => (depth > 4 ? r.Next(4) : r.Next(7)) switch
    {
        0 => r.NextDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => "\"" + (r.Next(3) == 0 ? "rows" : r.Next(3) == 0 ? "inputs" : "s" + r.Next(100)) + "\"",
        2 => r.Next(2) == 0 ? "true" : "null",
        3 => r.Next(-5, 5).ToString(),
        4 => "[" + string.Join(",", Enumerable.Range(0, r.Next(4)).Select(_ => RandomJson(r, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, r.Next(4)).Select(_ =>
            "\"" + new[] { "rows", "inputs", "shape", "data", "name", "datatype", "id", "outputs", "feedback", "label", "mean radius" }[r.Next(11)] + "\":" + RandomJson(r, depth + 1))) + "}",
    };
}
