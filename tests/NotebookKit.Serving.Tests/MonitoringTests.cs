using System.Text.Json.Nodes;

namespace NotebookKit.Serving.Tests;

public sealed class MonitoringTests
{
    [Fact]
    public async Task A_shifted_feature_raises_a_drift_alert_in_the_endpoint_and_metrics()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { DriftWindowRows = 200, DriftMinRows = 100 }, Models.Served());
        using var client = server.CreateClient();
        var rows = Models.Rows;
        var std = Enumerable.Range(0, 30).Select(f => Std(rows.Select(r => (double)r[f]))).ToArray();
        var shifted = rows.Take(200).Select(r => { var c = (float[])r.Clone(); c[0] += (float)(2 * std[0]); return c; }).ToArray();
        for (int i = 0; i < 200; i += 20)
            Assert.Equal(200, (await Bodies.Post(client, "/predict", Bodies.Predict(shifted[i..(i + 20)]))).Status);
        var drift = JsonNode.Parse(await client.GetStringAsync("/v2/models/bc/drift"))!;
        Assert.True((bool)drift["alert"]!);
        var features = drift["features"]!.AsArray();
        var radius = features.Single(f => (string?)f!["feature"] == "mean radius")!;
        Assert.True((bool)radius["alert"]!);
        Assert.True((double)radius["psi"]! > 0.25);
        Assert.True((double)radius["ks_pvalue"]! < 0.01);
        Assert.Equal("mean radius", (string?)features.OrderByDescending(f => (double)f!["psi"]!).First()!["feature"]);
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("nbkit_drift_alert{model=\"bc\",feature=\"mean radius\"} 1", metrics);
        Assert.Matches("nbkit_drift_psi\\{model=\"bc\",feature=\"mean radius\"\\} [0-9.]+", metrics);
    }

    static double Std(IEnumerable<double> v) { var a = v.ToArray(); double m = a.Average(); return Math.Sqrt(a.Sum(x => (x - m) * (x - m)) / a.Length); }

    [Fact]
    public async Task Feedback_gives_rolling_accuracy_computed_from_the_served_predictions()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { QualityWindow = 1000 }, Models.Served());
        using var client = server.CreateClient();
        var rows = Models.Rows;
        var labels = Models.Data.LabelArray();
        int correct = 0;
        var feedback = new JsonArray();
        for (int i = 0; i < 60; i++)
        {
            var (_, json) = await Bodies.Post(client, "/predict", Bodies.Predict(rows[i]));
            int predicted = (int)json!["predictions"]![0]!["class"]!;
            int truth = i % 5 == 0 ? 1 - labels[i] : labels[i]; // every fifth label flipped: the model must be wrong there
            if (predicted == truth) correct++;
            feedback.Add(new JsonObject { ["id"] = (string)json["id"]!, ["row"] = 0, ["label"] = Models.Data.ClassNames[truth] });
        }
        var (status, reply) = await Bodies.Post(client, "/v2/models/bc/feedback", new JsonObject { ["feedback"] = feedback }.ToJsonString());
        Assert.Equal(200, status);
        Assert.Equal(60, (int)reply!["accepted"]!);
        Assert.Equal(correct / 60.0, (double)reply["quality"]!["accuracy"]!, 12);
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("nbkit_live_quality{model=\"bc\",metric=\"accuracy\"}", metrics);
        Assert.Contains("nbkit_live_quality{model=\"bc\",metric=\"auc\"}", metrics);
    }

    [Fact]
    public async Task Feedback_for_an_unknown_id_or_label_is_400()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), Models.Served());
        using var client = server.CreateClient();
        var (s1, j1) = await Bodies.Post(client, "/v2/models/bc/feedback", "{\"feedback\":[{\"id\":\"r999999\",\"label\":1}]}");
        Assert.Equal(400, s1);
        Assert.Equal("feedback[0].id", (string?)j1!["field"]);
        var id = (string)(await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0]))).Json!["id"]!;
        var (s2, j2) = await Bodies.Post(client, "/v2/models/bc/feedback", $"{{\"feedback\":[{{\"id\":\"{id}\",\"label\":\"maybe\"}}]}}");
        Assert.Equal(400, s2);
        Assert.Equal("feedback[0].label", (string?)j2!["field"]);
    }

    [Fact]
    public async Task Requests_are_logged_as_json_lines_without_the_api_key()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nbkit-log-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var server = await ModelServer.StartAsync(new ServingOptions { LogPath = path, LogSampleRate = 1, ApiKey = "key-that-must-not-leak", LogInputs = true }, Models.Served()))
            {
                using var client = server.CreateClient();
                await Bodies.Post(client, "/predict", Bodies.Predict(Models.Rows[0], Models.Rows[1]));
                await Bodies.Post(client, "/predict", "{oops");
            }
            var lines = File.ReadAllLines(path);
            Assert.Equal(2, lines.Length);
            var ok = JsonNode.Parse(lines[0])!;
            Assert.Equal("predict", (string?)ok["endpoint"]);
            Assert.Equal(200, (int)ok["status"]!);
            Assert.Equal(2, (int)ok["rows"]!);
            Assert.Equal(Models.Rows[1][0], (float)ok["inputs"]![1]![0]!);
            Assert.Equal(400, (int)JsonNode.Parse(lines[1])!["status"]!);
            Assert.DoesNotContain("key-that-must-not-leak", File.ReadAllText(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Sampling_logs_about_the_given_share_and_every_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nbkit-log-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var server = await ModelServer.StartAsync(new ServingOptions { LogPath = path, LogSampleRate = 0.2 }, Models.Served(drift: false)))
            {
                using var client = server.CreateClient();
                var body = Bodies.Predict(Models.Rows[0]);
                for (int i = 0; i < 400; i++) await Bodies.Post(client, "/predict", body);
                for (int i = 0; i < 5; i++) await Bodies.Post(client, "/predict", "[");
            }
            var lines = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToArray();
            int okLines = lines.Count(l => (int)l["status"]! == 200);
            Assert.Equal(5, lines.Count(l => (int)l["status"]! == 400));
            // Binomial(400, 0.2): mean 80, sd 8; 40..120 is 5 sd.
            Assert.InRange(okLines, 40, 120);
        }
        finally { File.Delete(path); }
    }
}
