using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using NotebookKit.Serving.Operations;

namespace NotebookKit.Serving.Tests;

public sealed class OperationsTests
{
    [Fact]
    public async Task Hot_reload_under_concurrent_requests_drops_nothing()
    {
        var probes = new List<ProbeBackend> { new(Models.Backend()) };
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served(backend: probes[0], drift: false));
        using var client = server.CreateClient();
        var failures = new ConcurrentBag<string>();
        var versions = new ConcurrentDictionary<string, int>();
        int ok = 0;
        using var stop = new CancellationTokenSource();
        var body = Bodies.Predict(Models.Rows[3]);
        var load = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (status, json) = await Bodies.Post(client, "/predict", body);
                    if (status != 200) failures.Add($"{status}: {json}");
                    else { Interlocked.Increment(ref ok); versions.AddOrUpdate((string)json!["version"]!, 1, (_, n) => n + 1); }
                }
                catch (Exception e) { failures.Add(e.Message); }
            }
        })).ToArray();

        for (int v = 2; v <= 6; v++)
        {
            await Task.Delay(150);
            var probe = new ProbeBackend(Models.Backend());
            probes.Add(probe);
            await server.ReloadAsync(Models.Served(version: v.ToString(), backend: probe, drift: false));
        }
        await Task.Delay(150);
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(ok > 100, $"only {ok} requests ran");
        Assert.True(versions.Count >= 3, "requests saw versions " + string.Join(",", versions.Keys));
        Assert.Equal("6", (string?)(await Bodies.Post(client, "/predict", body)).Json!["version"]);
        Assert.All(probes.Take(5), p => Assert.True(p.Disposed, "a retired version was not disposed"));
        Assert.All(probes, p => Assert.Equal(0, p.UsedAfterDispose));
        var meta = JsonNode.Parse(await client.GetStringAsync("/v2/models/bc"))!;
        Assert.Equal(["6"], meta["versions"]!.AsArray().Select(n => (string)n!));
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("nbkit_model_info{model=\"bc\",version=\"1\",backend=\"torchsharp/cpu\"} 0", metrics);
        Assert.Contains("nbkit_model_info{model=\"bc\",version=\"6\",backend=\"torchsharp/cpu\"} 1", metrics);
    }

    [Fact]
    public async Task Several_models_and_versions_are_served_by_name()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served("a"), Models.Served("b", "7"));
        await server.Models.Load(Models.Served("b", "8"), retireOthers: false);
        using var client = server.CreateClient();
        Assert.Equal("8", (string?)(await Bodies.Post(client, "/v2/models/b/infer", Bodies.Infer([Models.Rows[0]]))).Json!["model_version"]);
        Assert.Equal("7", (string?)(await Bodies.Post(client, "/v2/models/b/versions/7/infer", Bodies.Infer([Models.Rows[0]]))).Json!["model_version"]);
        Assert.Equal("a", (string?)(await Bodies.Post(client, "/predict?model=a", Bodies.Predict(Models.Rows[0]))).Json!["model"]);
        var (status, json) = await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]));
        Assert.Equal(400, status);
        Assert.Equal("model", (string?)json!["field"]);
    }

    [Fact]
    public async Task Concurrent_requests_are_micro_batched_within_the_budget()
    {
        var probe = new ProbeBackend(Models.Backend());
        await using var server = await ModelServer.StartAsync(new ServingOptions { BatchBudget = TimeSpan.FromMilliseconds(30) }, Models.Served(backend: probe, drift: false));
        using var client = server.CreateClient();
        var rows = Models.Rows;
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Bodies.Post(client, "/predict", Bodies.Predict(rows[i]))));
        Assert.All(results, r => Assert.Equal(200, r.Status));
        for (int i = 0; i < 16; i++) // each request got its own row's answer back
            Assert.Equal(Models.Direct(rows[i])[1], (float)results[i].Json!["predictions"]![0]!["probabilities"]![Models.Data.ClassNames[1]]!, 5);
        lock (probe.Batches)
        {
            Assert.Equal(16, probe.Batches.Sum());
            Assert.True(probe.Batches.Max() > 1, "batches: " + string.Join(",", probe.Batches));
        }
    }

    /// <summary>With a zero budget a lone request does not wait for a batch: once the backend is known to be fast, it
    /// runs on the caller's thread and the task is complete on return. A slow backend stays behind the queue.</summary>
    [Fact]
    public async Task A_lone_request_runs_at_once_unless_the_backend_is_slow()
    {
        var row = Models.Rows[0];
        var fast = new ProbeBackend(Models.Backend());
        await using (var batcher = new MicroBatcher(fast, TimeSpan.Zero, 256))
        {
            await batcher.PredictAsync(row, 1); // the first call goes through the queue: the backend's speed is unknown
            var lone = batcher.PredictAsync(row, 1);
            Assert.True(lone.IsCompletedSuccessfully, "a lone request waited for the worker");
            Assert.Equal(Models.Direct(row)[1], (await lone)[1], 5);
        }
        var slow = new ProbeBackend(Models.Backend(), delayMs: 500);
        await using (var batcher = new MicroBatcher(slow, TimeSpan.Zero, 256, inlineUnder: TimeSpan.FromMilliseconds(50)))
        {
            await batcher.PredictAsync(row, 1);
            var queued = batcher.PredictAsync(row, 1);
            Assert.False(queued.IsCompleted, "a request to a slow backend ran on the caller's thread, beyond any timeout");
            Assert.Equal(Models.Direct(row)[1], (await queued)[1], 5);
        }
    }

    [Fact]
    public async Task A_prediction_slower_than_the_limit_is_503_not_500()
    {
        var slow = new ProbeBackend(Models.Backend(), delayMs: 1500);
        await using var server = await ModelServer.StartAsync(new ServingOptions { RequestTimeout = TimeSpan.FromMilliseconds(100) }, Models.Served(backend: slow, drift: false));
        using var client = server.CreateClient();
        var (status, json) = await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]));
        Assert.Equal(503, status);
        Assert.Contains("limit", (string?)json!["error"]);
    }

    [Fact]
    public async Task Graceful_shutdown_lets_an_in_flight_request_finish()
    {
        var slow = new ProbeBackend(Models.Backend(), delayMs: 300);
        var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served(backend: slow, drift: false));
        using var client = server.CreateClient();
        var inFlight = Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]));
        await Task.Delay(100);
        await server.StopAsync();
        Assert.Equal(200, (await inFlight).Status);
        Assert.True(slow.Disposed);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/v2/health/live"));
    }
}
