using NotebookKit.Monitoring;
using NotebookKit.Serving.Client;
using static TorchSharp.torch;

namespace NotebookKit.Serving.Tests;

/// <summary>Text drift of a served text package, in /drift and /metrics, and on one clock with live quality.</summary>
public sealed class TextDriftServingTests
{
    [Fact]
    public async Task A_new_spam_style_raises_the_text_alert_in_drift_and_metrics_and_held_out_traffic_does_not()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(TextModelsForTests.Mlp, device: CPU));
        using var client = await ModelClient.ConnectAsync(server, "sms-mlp");
        var (before, _) = await client.TextDriftAsync();
        Assert.Null(before);

        var stream = TextModelsForTests.Stream;
        for (int start = 0; start < 400; start += 50)
        {
            await client.PredictTextsAsync(stream[start..(start + 50)]);
            if (start + 50 < TextModelsForTests.Window) continue;
            var (drift, _) = await client.TextDriftAsync();
            Assert.NotNull(drift);
            Assert.False(drift!.AnyAlert, "held-out traffic alerted: " + string.Join("; ", drift.Signals.Select(s => $"{s.Signal} {s.Value:G3}/{s.Threshold:G3}")));
        }
        var campaign = TextModelsForTests.NewSpamStyle(40, seed: 9);
        await client.PredictTextsAsync(stream[400..460].Concat(campaign).ToArray());
        var (shifted, _) = await client.TextDriftAsync();
        Assert.True(shifted!.AnyAlert && shifted[TextDriftReference.OovSignal].Alert,
            string.Join("; ", shifted.Signals.Select(s => $"{s.Signal} {s.Value:G3}/{s.Threshold:G3}")));
        Assert.Equal(500, shifted.TextsSeen);

        var reply = await client.GetAsync("/v2/models/sms-mlp/drift");
        Assert.True((bool)reply.Body!["alert"]!);
        Assert.True((bool)reply.Body["enabled"]!);
        var lines = await client.MetricLinesAsync("nbkit_text_drift");
        Assert.Contains("nbkit_text_drift_alert{model=\"sms-mlp\",signal=\"oov_rate\"} 1", lines);
        Assert.Contains(lines, l => l.StartsWith("nbkit_text_drift_threshold{model=\"sms-mlp\",signal=\"token_psi\"}"));
    }

    /// <summary>Text drift goes through the same cache as row drift: recomputed only when texts arrived, and then at
    /// most once per DriftCacheTime (a scraper and a dashboard do not each pay for it).</summary>
    [Fact]
    public async Task Text_drift_is_recomputed_only_for_new_texts_and_once_per_cache_period()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions(), PackageModels.Load(TextModelsForTests.Mlp, device: CPU));
        using var client = await ModelClient.ConnectAsync(server, "sms-mlp");
        await client.PredictTextsAsync(TextModelsForTests.Stream[..TextModelsForTests.Window]);
        var version = server.Models.Current("sms-mlp")!;
        var first = version.TextDriftReport(TimeSpan.Zero);
        Assert.NotNull(first);
        Assert.Same(first, version.TextDriftReport(TimeSpan.Zero)); // nothing new: not recomputed
        await client.PredictTextsAsync(TextModelsForTests.Stream[TextModelsForTests.Window..(TextModelsForTests.Window + 10)]);
        Assert.Same(first, version.TextDriftReport(TimeSpan.FromMinutes(5))); // new texts, inside the cache period
        Assert.Equal(first!.TextsSeen + 10, version.TextDriftReport(TimeSpan.Zero)!.TextsSeen);
    }

    [Fact]
    public async Task A_replay_sees_the_drift_alert_before_the_shifted_labels_reach_live_quality()
    {
        await using var server = await ModelServer.StartAsync(new ServingOptions { QualityWindow = 200 }, PackageModels.Load(TextModelsForTests.Bag, device: CPU));
        using var client = await ModelClient.ConnectAsync(server, "sms-bag");
        var replay = new TextTrafficReplay(client, TextModelsForTests.Stream, TextModelsForTests.StreamLabels, seed: 1);
        var campaign = TextModelsForTests.NewSpamStyle(200, seed: 2);
        var timeline = await replay.RunAsync(ticks: 12, textsPerTick: 50, labelDelay: 4, shiftAt: 6, campaign, Enumerable.Repeat(1, 200).ToArray(), shiftShare: 0.3);
        Assert.DoesNotContain(timeline.Take(6), t => t.Alert);
        var firstAlert = timeline.First(t => t.Alert);
        Assert.InRange(firstAlert.Tick, 6, 9);
        Assert.Equal(0, firstAlert.ShiftedLabelsInWindow); // labels of shifted texts come back 4 ticks later
        Assert.True(timeline[^1].ShiftedLabelsInWindow > 0);
        Assert.Equal(600, replay.Sent.Count);
        Assert.InRange(replay.Sent.Count(s => s.Shifted), 60, 120);
    }
}
