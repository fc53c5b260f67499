using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using NotebookKit.Export;
using NotebookKit.Serving.Operations;

namespace NotebookKit.Serving.Tests;

/// <summary>
/// The server against a hostile client and a careless operator (issue 14), always on loopback and bounded in time:
/// no request may get a 5xx, memory stays bounded under an id and body flood, and each defect found has its test.
/// </summary>
public sealed class HostileClientTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static string Row(float value) => Bodies.Predict(Enumerable.Repeat(value, 30).ToArray());
    static readonly string Valid = Bodies.Predict(Models.Rows[0]);
    static readonly string Huge = Row(3e38f);

    /// <summary>Raw HTTP/1.1 over a socket, for what HttpClient will not send; the status line, or 0 on a reset.</summary>
    static async Task<string> Raw(Uri server, string request, bool resetAfterSend = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        if (resetAfterSend) { await Task.Delay(100); socket.LingerState = new LingerOption(true, 0); socket.Close(); return ""; }
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(buffer, 0, n);
    }

    [Fact]
    public async Task Lone_surrogate_escapes_are_400_naming_the_field_on_every_post_endpoint()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served());
        using var client = server.CreateClient();
        var feature = Valid.Replace("\"mean radius\"", "\"mean \\ud800radius\"");
        var cases = new (string Path, string Body, string Field)[]
        {
            ("/predict", Valid.Replace("{\"rows\"", "{\"id\":\"a\\ud800\",\"rows\""), "id"),
            ("/predict", feature, "rows[0]"),
            ("/v2/models/bc/infer", Bodies.Infer([Models.Rows[0]]).Replace("\"input\"", "\"in\\udc00put\""), "inputs[0].name"),
            ("/v2/models/bc/infer", Bodies.Infer([Models.Rows[0]]).Replace("\"FP32\"", "\"FP\\ud83d32\""), "inputs[0].datatype"),
            ("/v2/models/bc/feedback", "{\"feedback\":[{\"id\":\"\\ud800\",\"label\":\"benign\"}]}", "feedback[0].id"),
            ("/v2/models/bc/feedback", "{\"feedback\":[{\"id\":\"x\",\"label\":\"\\udfff\"}]}", "feedback[0].label"),
        };
        foreach (var (path, body, field) in cases)
        {
            var (status, json) = await Bodies.Post(client, path, body);
            Assert.Equal(400, status);
            Assert.StartsWith(field, (string)json!["field"]!);
            Assert.Contains("surrogate", (string)json["error"]!);
        }
        // A valid pair (an emoji) and an escaped backslash before "ud800" are fine.
        var (ok, _) = await Bodies.Post(client, "/predict", Valid.Replace("{\"rows\"", "{\"id\":\"\\\\ud800\",\"rows\""));
        Assert.Equal(200, ok);
    }

    [Fact]
    public async Task Huge_but_finite_inputs_that_make_the_model_output_NaN_get_422_naming_the_row()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served());
        using var client = server.CreateClient();
        var body = Bodies.Predict(Models.Rows[0], Enumerable.Repeat(3e38f, 30).ToArray());
        var (status, json) = await Bodies.Post(client, "/predict", body);
        Assert.Equal(422, status);
        Assert.Equal("rows[1]", (string)json!["field"]!);
        var (s2, j2) = await Bodies.Post(client, "/v2/models/bc/infer", Bodies.Infer([Enumerable.Repeat(3e38f, 30).ToArray()]));
        Assert.Equal(422, s2);
        Assert.Equal("inputs[0].data[0]", (string)j2!["field"]!);
    }

    [Fact]
    public async Task Feedback_ids_are_issued_by_the_server_and_cannot_be_claimed_or_inflated()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served());
        using var client = server.CreateClient();
        // Guessable ids from the old scheme, and a client id, are not feedback keys.
        var (s1, j1) = await Bodies.Post(client, "/predict", Valid.Replace("{\"rows\"", "{\"id\":\"r1\",\"rows\""));
        Assert.Equal(200, s1);
        Assert.Equal("r1", (string)j1!["id"]!);
        var issued = (string)j1["feedback_id"]!;
        Assert.Matches("^f[A-Za-z0-9_-]{22}$", issued);
        var (s2, _) = await Bodies.Post(client, "/v2/models/bc/feedback", "{\"feedback\":[{\"id\":\"r1\",\"label\":\"benign\"}]}");
        Assert.Equal(400, s2);
        var (s3, _) = await Bodies.Post(client, "/v2/models/bc/feedback", $"{{\"feedback\":[{{\"id\":\"{issued}\",\"label\":\"benign\"}}]}}");
        Assert.Equal(200, s3);
        // A long id is refused before anything is stored.
        var (s4, j4) = await Bodies.Post(client, "/predict", Valid.Replace("{\"rows\"", $"{{\"id\":\"{new string('x', 129)}\",\"rows\""));
        Assert.Equal(400, s4);
        Assert.Equal("id", (string)j4!["field"]!);
    }

    [Fact]
    public void The_feedback_store_keeps_to_its_byte_budget()
    {
        var store = new FeedbackStore(capacity: 1_000_000, budgetBytes: 1 << 20);
        for (int i = 0; i < 2000; i++) store.Add(new StoredPrediction("bc", "1", new int[1000], new float[1000]));
        Assert.InRange(store.Bytes, 1, 1 << 20);
        Assert.True(store.Count < 2000);
    }

    [Fact]
    public void Feedback_ids_from_many_threads_are_distinct_and_use_every_base64url_character()
    {
        // 8 threads x 5,000 ids crosses each thread's 4 KB random buffer ~20 times; a slice handed out twice repeats an id.
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (int i = 0; i < 5000; i++) ids.Add(FeedbackStore.NewId());
        });
        Assert.Equal(40_000, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^f[A-Za-z0-9_-]{22}$", id));
        Assert.Equal(64, ids.SelectMany(id => id[1..22]).Distinct().Count()); // 840,000 draws miss none of 64 symbols
    }

    [Fact]
    public async Task Http_level_abuse_is_a_4xx_and_a_client_reset_is_not_a_server_error()
    {
        var log = Path.Combine(Path.GetTempPath(), $"nbkit-hostile-{Guid.NewGuid():N}.jsonl");
        await using var server = await ModelServer.StartAsync(new ServingOptions { LogPath = log }, Models.Served());
        var overflow = await Raw(server.BaseAddress, "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n");
        Assert.StartsWith("HTTP/1.1 400", overflow);
        for (int i = 0; i < 5; i++)
            await Raw(server.BaseAddress, "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"rows\":[", resetAfterSend: true);
        await Task.Delay(500);
        using var client = server.CreateClient();
        var metrics = await client.GetStringAsync("/metrics");
        Assert.DoesNotContain("status=\"5", metrics);
        Assert.True(metrics.Contains("status=\"499\""), metrics[..Math.Min(3000, metrics.Length)]);
        var favicon = await client.GetAsync("/favicon.ico");
        Assert.Equal(404, (int)favicon.StatusCode);
        Assert.Equal("path", (string)JsonNode.Parse(await favicon.Content.ReadAsStringAsync())!["field"]!);
        var text = await client.PostAsync("/predict", new StringContent(Valid, Encoding.UTF8, "text/plain"));
        Assert.Equal(415, (int)text.StatusCode);
        await server.StopAsync();
        Assert.DoesNotContain("\"status\":500", File.ReadAllText(log));
        File.Delete(log);
    }

    [Fact]
    public async Task With_a_key_metrics_and_drift_need_it_and_drift_is_computed_once_per_cache_period()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { ApiKey = "k", DriftCacheTime = TimeSpan.FromMinutes(5) }, Models.Served());
        using var open = server.CreateClient(withApiKey: false);
        Assert.Equal(401, (int)(await open.GetAsync("/metrics")).StatusCode);
        Assert.Equal(401, (int)(await open.GetAsync("/v2/models/bc/drift")).StatusCode);
        Assert.Equal(200, (int)(await open.GetAsync("/v2/health/ready")).StatusCode);
        using var client = server.CreateClient();
        var first = await client.GetStringAsync("/v2/models/bc/drift");
        await Bodies.Post(client, "/v2/models/bc/infer", Bodies.Infer(Models.Rows.Take(200).ToArray()));
        Assert.Equal(first, await client.GetStringAsync("/v2/models/bc/drift")); // cached: the new rows show after 5 min
    }

    [Fact]
    public void Operator_mistakes_in_options_are_one_line_errors()
    {
        Assert.Contains("clear text", Assert.Throws<ArgumentException>(() =>
            new ServingOptions { ApiKey = "k", Urls = ["http://127.0.0.1:0", "https://127.0.0.1:0"] }.Validate()).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServingOptions { MaxBodyBytes = long.MaxValue / 2 }.Validate());
        Assert.Contains("not an IP address", Assert.Throws<ArgumentException>(() => new ServingOptions { Urls = ["http://example.com:80"] }.Validate()).Message);
        Assert.Throws<ArgumentException>(() => new ServingOptions { Urls = ["127.0.0.1:8080"] }.Validate());
    }

    [Fact]
    public void A_symbolic_link_in_a_package_is_refused()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"nbkit-link-{Guid.NewGuid():N}");
        try
        {
            SavePackage(dir, "1");
            var weights = Path.Combine(dir, ModelPackage.WeightsFileName);
            var outside = dir + ".weights";
            File.Move(weights, outside);
            File.CreateSymbolicLink(weights, outside);
            Assert.Contains("symbolic link", Assert.Throws<InvalidDataException>(() => PackageModels.Load(dir, "torch")).Message);
            File.Delete(outside);
        }
        finally { Directory.Delete(dir, true); }
    }

    internal static void SavePackage(string dir, string version, float scale = 1)
    {
        var data = Models.Data;
        var scaler = new NotebookKit.Data.StandardScaler().Fit(data.Features);
        using var module = Models.Module();
        if (scale != 1) using (TorchSharp.torch.no_grad()) foreach (var p in module.parameters()) p.mul_(scale);
        ModelPackage.Save(dir, module, null, InputSchema.Float32(data.FeatureNames), Preprocessing.FromScaler(scaler), data.ClassNames,
            name: "cancer", version: version);
    }

    /// <summary>The CI suite: at least 25,000 requests over every abuse category, 8 at a time, and not one 5xx.</summary>
    [Fact]
    public async Task Twenty_five_thousand_hostile_requests_get_no_5xx()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { ApiKey = "k" }, Models.Served());
        using var client = server.CreateClient();
        using var anonymous = server.CreateClient(withApiKey: false);
        string id = (string)(await Bodies.Post(client, "/predict", Valid)).Json!["feedback_id"]!;
        var kinds = new Func<Task<int>>[]
        {
            () => Status(client.PostAsync("/predict", Bodies.Json(Valid))),
            () => Status(client.PostAsync("/predict", Bodies.Json(Huge))),
            () => Status(client.PostAsync("/predict", Bodies.Json(Valid.Replace("{\"rows\"", "{\"id\":\"\\ud800\",\"rows\"")))),
            () => Status(client.PostAsync("/predict", Bodies.Json(Valid.Replace("{\"rows\"", $"{{\"id\":\"{new string('i', 5000)}\",\"rows\"")))),
            () => Status(client.PostAsync("/v2/models/bc/infer", Bodies.Json(Bodies.Infer([Models.Rows[1]]).Replace("FP32", "\\udc00")))),
            () => Status(client.PostAsync("/v2/models/bc/feedback", Bodies.Json($"{{\"feedback\":[{{\"id\":\"{id}\",\"label\":\"\\ud800\"}}]}}"))),
            () => Status(client.PostAsync("/v2/models/bc/feedback", Bodies.Json("{\"feedback\":[{\"id\":\"r1\",\"label\":1}]}"))),
            () => Status(client.PostAsync("/predict", new StringContent(Valid, Encoding.UTF8, "text/plain"))),
            () => Status(client.PostAsync("/predict", Bodies.Json("{\"rows\":[{\"mean radius\":1e39}]}"))),
            () => Status(client.PostAsync("/predict", Bodies.Json("{\"rows\":[[[[[[[[[[]]]]]]]]]]}"))),
            () => Status(anonymous.PostAsync("/predict", Bodies.Json(Valid))),
            () => Status(anonymous.GetAsync("/metrics")),
            () => Status(client.GetAsync("/favicon.ico")),
            () => Status(client.GetAsync("/v2/models/bc/drift")),
            () => Status(client.PostAsync("/predict", new ByteArrayContent([0xC3, 0x28]) { Headers = { { "Content-Type", "application/json" } } })),
        };
        int total = 25_200, next = -1, serverErrors = 0;
        var byStatus = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < total;)
            {
                int status = await kinds[i % kinds.Length]();
                byStatus.AddOrUpdate(status, 1, (_, c) => c + 1);
                if (status >= 500) Interlocked.Increment(ref serverErrors);
            }
        })));
        // And at the HTTP level: overflowing chunk sizes and resets mid-body.
        for (int i = 0; i < 20; i++)
        {
            Assert.StartsWith("HTTP/1.1 4", await Raw(server.BaseAddress, "POST /predict HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000000\r\n"));
            await Raw(server.BaseAddress, "POST /predict HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{", resetAfterSend: true);
        }
        await Task.Delay(300);
        var metrics = await client.GetStringAsync("/metrics");
        Assert.True(serverErrors == 0, $"{serverErrors} responses >= 500 in {watch.Elapsed.TotalSeconds:F0} s: {string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}x{p.Value}"))}");
        Assert.DoesNotContain("status=\"5", metrics);
        Assert.Equal(total, byStatus.Values.Sum());
        foreach (var s in new[] { 200, 400, 401, 404, 415, 422 }) Assert.True(byStatus.ContainsKey(s), $"no {s} seen");
    }

    static async Task<int> Status(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        await response.Content.ReadAsByteArrayAsync();
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task An_id_and_body_flood_grows_memory_by_less_than_64_MB()
    {
        // As the shipped server runs (its GC settings come from ServingRuntime.props, imported by this project).
        await using var server = await ModelServer.StartAsync(new ServingOptions { ReturnFreedMemory = true }, Models.Served(drift: false));
        using var client = server.CreateClient();
        // The client encodes each body once, so what grows is the server's.
        var bigRows = Encoding.UTF8.GetBytes(Bodies.Infer(Enumerable.Repeat(Models.Rows[0], 2500).ToArray()));
        var longId = Encoding.UTF8.GetBytes(Valid.Replace("{\"rows\"", $"{{\"id\":\"{new string('x', 700_000)}\",\"rows\""));
        HttpContent Send(byte[] bytes) => new ByteArrayContent(bytes) { Headers = { { "Content-Type", "application/json" } } };
        for (int i = 0; i < 20; i++) await Status(client.PostAsync("/v2/models/bc/infer", Send(bigRows))); // warm up
        long before = Settled();
        for (int i = 0; i < 150; i++) Assert.Equal(400, await Status(client.PostAsync("/predict", Send(longId))));
        for (int i = 0; i < 400; i++) Assert.Equal(200, await Status(client.PostAsync("/v2/models/bc/infer", Send(bigRows))));
        long growth = Settled() - before;
        output.WriteLine($"RSS grew by {growth / (1 << 20)} MB");
        Assert.True(growth < 64L << 20, $"RSS grew by {growth >> 20} MB");
    }

    static long Settled()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return Process.GetCurrentProcess().WorkingSet64;
    }

    /// <summary>Hot reload under load: a new package is served within 2 s; a corrupt one is refused while the old
    /// model keeps serving; not one request fails throughout.</summary>
    [Fact]
    public async Task A_package_swapped_on_disk_is_served_within_2_s_and_a_corrupt_one_is_refused_under_load()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"nbkit-swap-{Guid.NewGuid():N}");
        var next = dir + "-v2";
        SavePackage(dir, "1");
        SavePackage(next, "2");
        try
        {
            await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(dir, "torch", device: TorchSharp.torch.CPU));
            await using var watcher = new PackageWatcher(server, dir, () => PackageModels.Load(dir, "torch", device: TorchSharp.torch.CPU), TimeSpan.FromMilliseconds(100));
            using var client = server.CreateClient();
            int failed = 0, served = 0;
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (await Status(client.PostAsync("/predict", Bodies.Json(Valid))) != 200) Interlocked.Increment(ref failed);
                    Interlocked.Increment(ref served);
                }
            })).ToArray();
            async Task<string> Version() => (string)JsonNode.Parse(await client.GetStringAsync("/v2/models/cancer"))!["version"]!;
            Assert.Equal("1", await Version());

            foreach (var f in Directory.GetFiles(next)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
            var swapped = Stopwatch.StartNew();
            while (await Version() != "2" && swapped.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(20);
            Assert.True(swapped.Elapsed < TimeSpan.FromSeconds(2), $"the new package served after {swapped.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Contains("\"version\":\"2\"", await client.GetStringAsync("/v2/models/cancer/ready"));

            var weights = Path.Combine(dir, ModelPackage.WeightsFileName);
            var bytes = File.ReadAllBytes(weights);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(weights, bytes);
            var refused = Stopwatch.StartNew();
            while (watcher.Refused == 0 && refused.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(20);
            Assert.Equal(1, watcher.Refused);
            Assert.Equal("2", await Version());
            await Task.Delay(300);
            stop.Cancel();
            await Task.WhenAll(load);
            Assert.Equal(0, failed);
            Assert.True(served > 50, $"only {served} requests under load");
        }
        finally { Directory.Delete(dir, true); Directory.Delete(next, true); }
    }

    /// <summary>A flood of bad requests writes at most the cap's error lines per second; the rest are counted on
    /// "suppressed" lines, so every bad request is accounted for and the disk is not filled.</summary>
    [Fact]
    public async Task The_error_log_cap_holds_and_counts_what_it_held_back()
    {
        var log = Path.Combine(Path.GetTempPath(), $"nbkit-cap-{Guid.NewGuid():N}.jsonl");
        const int cap = 5, bad = 300;
        var clock = new Stopwatch();
        try
        {
            await using (var server = await ModelServer.StartAsync(new ServingOptions { LogPath = log, LogSampleRate = 0, MaxErrorLogsPerSecond = cap }, Models.Served(drift: false)))
            {
                using var client = server.CreateClient();
                clock.Start();
                await Parallel.ForEachAsync(Enumerable.Range(0, bad), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
                    Assert.Equal(400, (await Bodies.Post(client, "/predict", "[")).Status));
                clock.Stop();
            }
            var lines = File.ReadAllLines(log).Select(l => JsonNode.Parse(l)!).ToArray();
            int written = lines.Count(l => (int)l["status"]! == 400);
            long suppressed = lines.Where(l => (string)l["endpoint"]! == "log").Sum(l => (long)l["suppressed"]!);
            Assert.Equal(bad, written + suppressed);
            // The cap counts per second of the monotonic clock: a flood lasting t seconds touches at most ceil(t) + 1.
            int seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds) + 1;
            Assert.InRange(written, cap, cap * seconds);
            Assert.True(suppressed >= bad - cap * seconds, $"{suppressed} suppressed, {written} written in {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally { File.Delete(log); }
    }
}
