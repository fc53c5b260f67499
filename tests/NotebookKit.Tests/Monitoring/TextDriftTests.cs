using NotebookKit.Data;
using NotebookKit.Monitoring;
using NotebookKit.Text;

namespace NotebookKit.Tests.Monitoring;

/// <summary>
/// Text drift on real SMS messages: the vocabulary is fitted on 60% of them, the reference is 20% held out, and the
/// last 20% plays live traffic. The thresholds come from the reference's own resampled windows, so the tests check
/// what that calibration promises: held-out traffic rarely alerts, a new spam campaign does.
/// </summary>
public class TextDriftTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly (string[] Reference, string[] Stream, TextPipeline Pipeline, Vocabulary Vocabulary) Sms = Split();

    static (string[], string[], TextPipeline, Vocabulary) Split()
    {
        var sms = Datasets.SmsSpam(TestPaths.Data("SMSSpamCollection.tsv"));
        var order = Enumerable.Range(0, sms.Texts.Count).ToArray();
        new Random(7).Shuffle(order);
        int a = order.Length * 6 / 10, b = order.Length * 8 / 10;
        var pipeline = new TextPipeline(TextNormalizer.Default, new WordTokenizer());
        var vocabulary = Vocabulary.Fit(pipeline.Tokens(order[..a].Select(i => sms.Texts[i])), minCount: 2);
        return (order[a..b].Select(i => sms.Texts[i]).ToArray(), order[b..].Select(i => sms.Texts[i]).ToArray(), pipeline, vocabulary);
    }

    static TextDriftReference Fit(int window, double alpha = 0.001) =>
        TextDriftReference.Fit(Sms.Reference, Sms.Pipeline.Tokens(Sms.Reference), Sms.Vocabulary.Contains,
            new TextDriftOptions { WindowTexts = window, Alpha = alpha });

    static TextDriftMonitor Monitor(TextDriftReference reference) => new(reference, Sms.Vocabulary.Contains);

    /// <summary>Crypto-wallet scams: a spam style the 2012 collection never saw, in words its vocabulary lacks.</summary>
    static string[] NewSpamStyle(int count, int seed)
    {
        string[] openers = ["Your crypto wallet", "Ledger alert: your seed phrase", "Metamask notice: wallet", "Binance security: account", "NFT airdrop: token"];
        string[] middles = ["is frozen pending KYC verification", "expires tonight unless revalidated", "needs reconnection to the blockchain",
            "qualifies for a staking bonus of 0.35 ETH", "was flagged by our compliance bot"];
        string[] closers = ["connect at walletsync dot xyz", "scan the QR code in the Telegram group", "reply with your twelve recovery words",
            "claim via the dapp before gas fees rise", "DM our validator on Discord"];
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
            $"{openers[random.Next(openers.Length)]} {middles[random.Next(middles.Length)]}, {closers[random.Next(closers.Length)]}").ToArray();
    }

    /// <summary>The reports after every tenth text once the window is full.</summary>
    static List<TextDriftReport> Replay(TextDriftMonitor monitor, IReadOnlyList<string> texts)
    {
        var reports = new List<TextDriftReport>();
        for (int i = 0; i < texts.Count; i++)
        {
            monitor.Add(texts[i], Sms.Pipeline.Tokens(texts[i]));
            if (i % 10 == 9 && monitor.Evaluate() is { } r) reports.Add(r);
        }
        return reports;
    }

    [Fact]
    public void Held_out_traffic_from_the_same_period_never_alerts()
    {
        var reports = Replay(Monitor(Fit(200)), Sms.Stream);
        Assert.True(reports.Count >= 80, $"only {reports.Count} full windows");
        var worst = reports.SelectMany(r => r.Signals).GroupBy(s => s.Signal).Select(g => g.MaxBy(s => s.Value / s.Threshold)!).ToArray();
        foreach (var s in worst) output.WriteLine($"{s.Signal}: worst {s.Value:G4}, threshold {s.Threshold:G4}, floor {s.NoiseFloor:G4}");
        Assert.All(worst, s => Assert.True(!s.Alert, $"{s.Signal} {s.Value:G4} above its threshold {s.Threshold:G4}"));
        // ...and the thresholds are not so loose that anything would pass: the worst window uses a fair share of each.
        Assert.All(worst, s => Assert.True(s.Value > 0.2 * s.Threshold, $"{s.Signal}: worst {s.Value:G4} against threshold {s.Threshold:G4}"));
    }

    [Fact]
    public void A_new_spam_campaign_alerts_within_one_window_on_vocabulary_and_token_frequencies()
    {
        var random = new Random(11);
        var campaign = NewSpamStyle(400, seed: 5);
        // The first 400 texts are ordinary; then one message in five belongs to the new campaign.
        var stream = Sms.Stream.Take(400).Concat(Sms.Stream.Skip(400).Take(400).Select((t, i) => random.Next(5) == 0 ? campaign[i] : t)).ToArray();
        var monitor = Monitor(Fit(200));
        var reports = Replay(monitor, stream);
        int shiftAt = reports.FindIndex(r => r.TextsSeen > 400);
        Assert.DoesNotContain(reports.Take(shiftAt), r => r.AnyAlert);
        var firstAlert = reports.FindIndex(r => r.AnyAlert);
        Assert.True(firstAlert >= shiftAt, "no alert after the shift");
        Assert.True(reports[firstAlert].TextsSeen - 400 <= 200, $"first alert {reports[firstAlert].TextsSeen - 400} texts after the shift");
        var last = reports[^1];
        Assert.True(last[TextDriftReference.OovSignal].Alert && last[TextDriftReference.TokenSignal].Alert,
            string.Join("; ", last.Signals.Select(s => $"{s.Signal} {s.Value:G4} / {s.Threshold:G4}")));
    }

    [Fact]
    public void Resampled_held_out_windows_alert_about_as_often_as_alpha_says()
    {
        // 1000 windows drawn from held-out traffic: each signal alerts in at most 3% of them at alpha = 1%.
        var monitor = Monitor(Fit(100, alpha: 0.01));
        var random = new Random(3);
        var tokens = Sms.Pipeline.Tokens(Sms.Stream);
        var alerts = new Dictionary<string, int>();
        for (int w = 0; w < 1000; w++)
        {
            monitor.Reset();
            for (int i = 0; i < 100; i++) { int k = random.Next(Sms.Stream.Length); monitor.Add(Sms.Stream[k], tokens[k]); }
            foreach (var s in monitor.Evaluate()!.Signals.Where(s => s.Alert)) alerts[s.Signal] = alerts.GetValueOrDefault(s.Signal) + 1;
        }
        Assert.All(alerts, a => Assert.True(a.Value <= 30, $"{a.Key} alerted in {a.Value} of 1000 windows"));
    }

    [Fact]
    public void The_noise_floor_is_measured_so_a_smaller_window_gets_wider_thresholds()
    {
        var (small, large) = (Fit(50), Fit(400));
        foreach (var s in new[] { TextDriftReference.LengthSignal, TextDriftReference.TokenSignal })
            Assert.True(small.Thresholds[s] > 2 * large.Thresholds[s], $"{s}: {small.Thresholds[s]:G4} vs {large.Thresholds[s]:G4}");
        Assert.True(small.Thresholds[TextDriftReference.OovSignal] > large.Thresholds[TextDriftReference.OovSignal]);
        Assert.Equal(Sms.Vocabulary.OovRate(Sms.Pipeline.Tokens(Sms.Reference)), small.OovRate, 12);
        // The window reports nothing until it is full: its thresholds hold for exactly that many texts.
        var monitor = Monitor(small);
        for (int i = 0; i < 49; i++) monitor.Add(Sms.Stream[i], Sms.Pipeline.Tokens(Sms.Stream[i]));
        Assert.Null(monitor.Evaluate());
        monitor.Add(Sms.Stream[49], Sms.Pipeline.Tokens(Sms.Stream[49]));
        Assert.NotNull(monitor.Evaluate());
    }

    [Fact]
    public void A_reference_read_back_with_broken_shares_is_refused()
    {
        var good = Fit(50);
        good.Validate();
        var broken = good with { TokenShares = good.TokenShares.Select(v => v * 2).ToArray() };
        Assert.Contains("sum to 1", Assert.Throws<InvalidDataException>(broken.Validate).Message);
        var noThreshold = good with { Thresholds = new Dictionary<string, double>() };
        Assert.Contains("oov_rate", Assert.Throws<InvalidDataException>(noThreshold.Validate).Message);
    }
}
