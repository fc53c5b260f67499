using NotebookKit.Data;
using NotebookKit.Monitoring;
using NotebookKit.Optimizers;
using NotebookKit.Setup;
using NotebookKit.Text;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Serving.Tests;

/// <summary>
/// Text packages trained briefly on the SMS Spam Collection, as notebook 10 builds them, written once per test run:
/// the Keras MLP on TF-IDF, an embedding bag and a small Transformer on token ids. The messages are shuffled with a
/// fixed seed and split 60/20/20 into fit, reference (held out, the drift reference) and stream (live traffic).
/// </summary>
public static class TextModelsForTests
{
    static readonly object Gate = new();
    static string? root;

    public static string[] Fit { get; private set; } = [];
    public static int[] FitLabels { get; private set; } = [];
    public static string[] Reference { get; private set; } = [];
    public static string[] Stream { get; private set; } = [];
    public static int[] StreamLabels { get; private set; } = [];
    public static string[] ClassNames { get; private set; } = [];

    public static string Mlp => Package("mlp");
    public static string Bag => Package("bag");
    public static string Transformer => Package("transformer");
    /// <summary>Window of the packages' drift reference (texts).</summary>
    public const int Window = 100;
    public const int SequenceLength = 24;

    static string Package(string name)
    {
        Build();
        return Path.Combine(root!, name);
    }

    static void Build()
    {
        lock (Gate)
        {
            if (root is not null) return;
            Kit.ApplyNativeFix();
            torch.random.manual_seed(3);
            var sms = Datasets.SmsSpam(Path.Combine(Models.Root, "data", "SMSSpamCollection.tsv"));
            var order = Enumerable.Range(0, sms.Texts.Count).ToArray();
            new Random(7).Shuffle(order);
            int a = order.Length * 6 / 10, b = order.Length * 8 / 10;
            Fit = order[..a].Select(i => sms.Texts[i]).ToArray();
            FitLabels = order[..a].Select(i => sms.Labels[i]).ToArray();
            Reference = order[a..b].Select(i => sms.Texts[i]).ToArray();
            Stream = order[b..].Select(i => sms.Texts[i]).ToArray();
            StreamLabels = order[b..].Select(i => sms.Labels[i]).ToArray();
            ClassNames = sms.ClassNames.ToArray();

            var pipeline = new TextPipeline(TextNormalizer.Default, new WordTokenizer());
            var tokens = pipeline.Tokens(Fit);
            var drift = new TextDriftOptions { WindowTexts = Window };
            var dir = Path.Combine(Path.GetTempPath(), $"nbkit-text-packages-{Guid.NewGuid():N}");
            using var labels = TextModels.Labels(FitLabels, CPU);

            var tfidf = new TfidfVectorizer { MinDf = 2, SublinearTf = true, MaxFeatures = 500 };
            using var x = tfidf.FitTransform(tokens).ToTensor(CPU);
            using var mlp = TextModels.KerasMlp(tfidf.Vocabulary.Count, CPU);
            Train(mlp, x, labels, 2);
            TextPackage.Save(Path.Combine(dir, "mlp"), mlp, TextEncoder.TfIdf(pipeline, tfidf), 0.5, ClassNames, Reference, drift, name: "sms-mlp");

            var vocabulary = Vocabulary.Fit(tokens, minCount: 2);
            using var ids = vocabulary.Encode(tokens, SequenceLength, device: CPU);
            var encoder = TextEncoder.Ids(pipeline, vocabulary, SequenceLength);
            using var bag = TextModels.EmbeddingBag(vocabulary.Count, 16, device: CPU);
            Train(bag, ids, labels, 3);
            TextPackage.Save(Path.Combine(dir, "bag"), bag, encoder, 0.4, ClassNames, Reference, drift, name: "sms-bag");

            using var transformer = TextModels.Transformer(vocabulary.Count, SequenceLength, dimensions: 16, heads: 2, layers: 1, device: CPU);
            Train(transformer, ids, labels, 1);
            TextPackage.Save(Path.Combine(dir, "transformer"), transformer, encoder, 0.5, ClassNames, Reference, drift, name: "sms-transformer");
            root = dir;
        }
    }

    static void Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int epochs) =>
        Trainer.Fit(model, x, y, TextModels.BinaryCrossEntropy, Optim.Adam(model.parameters(), 3e-3),
            new TrainOptions { Epochs = epochs, BatchSize = 64, ProgressEvery = 0, Seed = 1, Device = CPU });

    /// <summary>A new spam campaign the training data never saw: crypto-wallet scams, in words the vocabulary lacks.</summary>
    public static string[] NewSpamStyle(int count, int seed)
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
}
