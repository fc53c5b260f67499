using System.Net;
using NotebookKit.Metrics;
using NotebookKit.Serving.Backends;
using NotebookKit.Serving.Client;

namespace NotebookKit.Serving.Tests;

public sealed class ClientTests
{
    static ServedModel Malignant() =>
        new("bc", "1", Models.Backend(), Models.Data.FeatureNames, Models.Data.ClassNames)
        {
            ReferenceRows = Models.Rows, PositiveClass = "malignant",
        };

    [Fact]
    public async Task The_client_reads_names_from_metadata_and_its_predictions_equal_torchsharp_directly()
    {
        await using var server = await ModelServer.StartAsync(null, Models.Served());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        Assert.Equal(Models.Data.FeatureNames, client.FeatureNames);
        Assert.Equal(Models.Data.ClassNames, client.ClassNames);
        var rows = Models.Rows.Take(5).ToArray();
        var p = await client.PredictAsync(rows);
        for (int i = 0; i < rows.Length; i++)
        {
            var direct = Models.Direct(rows[i]);
            Assert.Equal(direct[0], p.Probabilities[i][0], 5);
            Assert.Equal(direct[1], p.Probabilities[i][1], 5);
            Assert.Equal(direct[1] > direct[0] ? 1 : 0, p.Classes[i]);
        }
        Assert.Equal(p.Classes, await client.InferLabelsAsync(rows));
    }

    [Fact]
    public async Task Bad_input_is_a_reply_to_read_and_predict_throws_naming_the_status()
    {
        await using var server = await ModelServer.StartAsync(null, Models.Served());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        var row = client.RowObject(Models.Rows[0]);
        row.Remove("worst area");
        var reply = await client.PostAsync("/predict", ModelClient.PredictBody([row]));
        Assert.Equal(400, reply.Status);
        Assert.Equal("rows[0].worst area", reply.Field);
        Assert.Throws<ArgumentException>(() => client.RowObject(new float[29]));
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.PredictAsync([]));
        Assert.Contains("400", e.Message);
    }

    [Fact]
    public async Task Live_f1_is_for_the_named_positive_class_and_equals_score_f1()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { QualityWindow = 1000 }, Malignant());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        var rows = Models.Rows.Take(80).ToArray();
        var labels = Models.Data.LabelArray().Take(80).Select((l, i) => i % 7 == 0 ? 1 - l : l).ToArray(); // some wrong
        var p = await client.PredictAsync(rows);
        var q = await client.FeedbackAsync(labels.Select((l, i) => (p.Id, i, l)));
        Assert.NotNull(q);
        Assert.Equal(0, q!.PositiveClass);
        Assert.Equal(Score.F1(labels, p.Classes, posLabel: 0), q.F1, 12);
        Assert.NotEqual(Score.F1(labels, p.Classes, posLabel: 1), q.F1, 6);
        Assert.Equal(Score.Accuracy(labels, p.Classes), q.Accuracy, 12);
    }

    [Fact]
    public void A_positive_class_that_is_not_a_class_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ServedModel("bc", "1", Models.Backend(), Models.Data.FeatureNames,
            Models.Data.ClassNames) { PositiveClass = "cancer" });
        Assert.Contains("cancer", e.Message);
    }

    [Fact]
    public async Task Drift_and_metric_lines_are_read_back()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { DriftWindowRows = 100, DriftMinRows = 50 }, Models.Served());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        Assert.Null((await client.DriftAsync()).Drift);
        await client.PredictAsync(Models.Rows.Take(60).ToArray());
        var (drift, quality) = await client.DriftAsync();
        Assert.Null(quality);
        Assert.Equal(60, drift!.WindowRows);
        Assert.Equal(30, drift.Features.Count);
        Assert.Equal("mean radius", drift.Features[0].Feature);
        var lines = await client.MetricLinesAsync("nbkit_requests_total");
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.StartsWith("nbkit_requests_total", l));
        var table = ModelClient.MetricTable(lines);
        Assert.Equal(lines.Length, table.Rows.Count);
        Assert.Throws<FormatException>(() => ModelClient.MetricTable(["no_value_here"]));
    }

    [Fact]
    public async Task Replayed_labels_come_back_exactly_the_delay_later_and_the_shift_starts_on_time()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { QualityWindow = 30, DriftWindowRows = 40, DriftMinRows = 20 }, Models.Served());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        var replay = new TrafficReplay(client, Models.Rows, Models.Data.LabelArray(), seed: 1) { RowsPerRequest = 4 };
        float[] Shift(float[] r) { r[0] *= 2; return r; }
        var timeline = await replay.RunAsync(ticks: 8, rowsPerTick: 10, labelDelay: 3, shiftAt: 4, Shift);

        Assert.Equal(80, replay.Sent.Count);
        Assert.Equal(40, replay.Sent.Count(s => s.Shifted));
        Assert.All(replay.Sent, s => Assert.Equal(s.Tick >= 4, s.Shifted));
        Assert.Equal(new[] { 0, 0, 0, 10, 20, 30, 40, 50 }, timeline.Select(t => t.LabelsReturned));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, replay.Returned.Select(s => s.Tick).Distinct());
        Assert.Null(timeline[2].Quality);
        Assert.Equal(30, timeline[7].Quality!.Count);
        // Window of 30 labels at tick 7: ticks 2, 3 (normal) and 4 (shifted): 10 shifted.
        Assert.Equal(10, timeline[7].ShiftedLabelsInWindow);
        Assert.Equal(0, timeline[6].ShiftedLabelsInWindow);
        Assert.Null(timeline[0].Drift);
        Assert.NotNull(timeline[1].Drift);
        // The replay changed copies: the pool itself is untouched.
        Assert.Equal(Models.Data.FeatureRows()[0][0], Models.Rows[0][0]);
    }

    [Fact]
    public async Task Bad_replay_settings_are_refused()
    {
        var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1") };
        using var client = new ModelClient(http, "bc", Models.Data.FeatureNames, Models.Data.ClassNames);
        Assert.Throws<ArgumentException>(() => new TrafficReplay(client, Models.Rows, [0, 1], seed: 1));
        var replay = new TrafficReplay(client, Models.Rows, Models.Data.LabelArray(), seed: 1);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => replay.RunAsync(1, 1, labelDelay: -1, 0, r => r));
    }

    [Fact]
    public void Load_percentiles_are_nearest_rank()
    {
        // Nearest rank: the smallest value with at least q of the values at or below it.
        var r = new LoadResult(1, 1.0, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 0);
        Assert.Equal(5, r.Percentile(0.5));
        Assert.Equal(9, r.Percentile(0.9));
        Assert.Equal(10, r.Percentile(0.99));
        Assert.Equal(1, r.Percentile(0.01));
        Assert.Equal(10, r.RequestsPerSecond);
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Percentile(0));
        Assert.Throws<ArgumentException>(() => new LoadResult(1, 1.0, [], 0));
    }

    [Fact]
    public async Task A_load_counts_every_request_and_the_failures()
    {
        await using var server = await ModelServer.StartAsync(null, Models.Served());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        var ok = await client.LoadAsync("/predict", client.PredictBody([Models.Rows[0]]), requests: 40, callers: 4);
        Assert.Equal(40, ok.Requests);
        Assert.Equal(0, ok.Failures);
        Assert.All(ok.LatenciesMs, l => Assert.True(l > 0));
        var bad = await client.LoadAsync("/predict", "{\"rows\": []}", requests: 10, callers: 2);
        Assert.Equal(10, bad.Failures);
    }

    [Fact]
    public async Task The_dev_certificate_serves_https_for_127_0_0_1()
    {
        using var cert = DevCertificate.ForLoopback();
        Assert.True(cert.HasPrivateKey);
        Assert.Contains("127.0.0.1", cert.Subject);
        await using var server = await ModelServer.StartAsync(new ServingOptions { Urls = ["https://127.0.0.1:0"], Certificate = cert }, Models.Served());
        using var client = await ModelClient.ConnectAsync(server, "bc");
        Assert.Equal("https", server.BaseAddress.Scheme);
        Assert.Single((await client.PredictAsync([Models.Rows[0]])).Classes);
    }

    [Fact]
    public void Backend_rows_split_the_row_major_output()
    {
        using var backend = Models.Backend();
        var rows = Models.Rows.Take(3).ToArray();
        var split = backend.PredictRows(rows);
        var flat = backend.Predict(rows.SelectMany(r => r).ToArray(), 3);
        for (int i = 0; i < 3; i++) Assert.Equal(flat[(2 * i)..(2 * i + 2)], split[i]);
        Assert.Throws<ArgumentException>(() => backend.PredictRows([new float[29]]));
    }
}
