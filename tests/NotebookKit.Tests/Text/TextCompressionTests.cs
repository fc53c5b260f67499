using NotebookKit.Compression;
using NotebookKit.Optimizers;
using NotebookKit.Text;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Text;

public class TextCompressionTests
{
    static Tensor Ids(int rows, int length, int vocabulary, int seed = 7)
    {
        var random = new Random(seed);
        var ids = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            int real = r == 0 ? 0 : r == 1 ? length : random.Next(1, length);
            for (int i = 0; i < real; i++) ids[r * length + i] = random.Next(1, vocabulary);
        }
        return tensor(ids, [rows, length]);
    }

    static float[] TorchLogits(nn.Module<Tensor, Tensor> model, Tensor ids)
    {
        model.eval();
        using var noGrad = no_grad();
        using var output = model.call(ids);
        return output.data<float>().ToArray();
    }

    [Fact]
    public void OnnxTextModelGivesTheTransformersLogitsWithin1e5()
    {
        torch.manual_seed(11);
        using var model = TextModels.Transformer(vocabulary: 40, maxLength: 10, dimensions: 32, heads: 4, layers: 2, device: CPU);
        using var ids = Ids(rows: 7, length: 10, vocabulary: 40);
        using var onnx = new OnnxTextModel(TextOnnxExport.ToBytes(model, 10), intraOpThreads: 1);
        var expected = TorchLogits(model, ids);
        var actual = onnx.Logits(ids);
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5, $"{p.First} vs {p.Second}"));
        var probabilities = onnx.Probabilities(ids);
        Assert.Equal(1 / (1 + Math.Exp(-actual[3])), probabilities[3], 12);
        Assert.True(onnx.Nodes > 20, $"a two-layer encoder has many operators, got {onnx.Nodes}");
    }

    [Fact]
    public void OnnxTextModelRefusesFloatOrFlatInputByName()
    {
        torch.manual_seed(12);
        using var model = TextModels.EmbeddingBag(vocabulary: 10, dimensions: 4, device: CPU);
        using var onnx = new OnnxTextModel(TextOnnxExport.ToBytes(model, 3));
        Assert.Contains("int64", Assert.Throws<ArgumentException>(() => onnx.Logits(zeros([2, 3]))).Message);
        Assert.Contains("[batch, length]", Assert.Throws<ArgumentException>(() => onnx.Logits(zeros([3], ScalarType.Int64))).Message);
    }

    [Fact]
    public void TwoClassDistillationLossIsBinaryCrossEntropyPlusBernoulliKl()
    {
        // Closed form on plain doubles: BCE(s, y) = -[y ln σ(s) + (1-y) ln(1-σ(s))];
        // KL(q || p) with q = σ(t/T), p = σ(s/T): q ln(q/p) + (1-q) ln((1-q)/(1-p)).
        double[] s = [1.5, -0.3, 2.0], t = [3.0, -2.0, 0.5];
        long[] y = [1, 0, 0];
        double T = 2, alpha = 0.6;
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        double bce = 0, kl = 0;
        for (int i = 0; i < 3; i++)
        {
            double p = Sigmoid(s[i]), q = Sigmoid(t[i] / T), ps = Sigmoid(s[i] / T);
            bce -= y[i] == 1 ? Math.Log(p) : Math.Log(1 - p);
            kl += q * Math.Log(q / ps) + (1 - q) * Math.Log((1 - q) / (1 - ps));
        }
        double expected = alpha * T * T * kl / 3 + (1 - alpha) * bce / 3;
        using var student = new TwoClassLogits(nn.Identity());
        using var sLogits = student.call(tensor(s.Select(v => (float)v).ToArray()).reshape(-1, 1));
        using var tLogits = student.call(tensor(t.Select(v => (float)v).ToArray()).reshape(-1, 1));
        using var loss = Distillation.Loss(sLogits, tLogits, tensor(y), T, alpha);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void DistillingOnSoftTargetsBringsTheStudentCloserToTheTeacher()
    {
        torch.manual_seed(21);
        using var teacher = TextModels.Transformer(vocabulary: 30, maxLength: 8, dimensions: 16, heads: 2, layers: 1, device: CPU);
        using var student = TextModels.EmbeddingBag(vocabulary: 30, dimensions: 8, dropout: 0, device: CPU);
        using var ids = Ids(rows: 64, length: 8, vocabulary: 30, seed: 3);
        var labels = Enumerable.Range(0, 64).Select(i => i % 2).ToArray();
        double Gap() => TextModels.Probabilities(student, ids).Zip(TextModels.Probabilities(teacher, ids)).Average(p => Math.Abs(p.First - p.Second));
        double before = Gap();
        var history = TextDistillation.Fit(student, teacher, ids, labels, Optim.Adam(student.parameters(), 0.05), epochs: 30,
            batchSize: 16, temperature: 1, alpha: 1);
        Assert.True(Gap() < before / 2, $"mean |p_student − p_teacher| went from {before:F4} to {Gap():F4}");
        Assert.True(history.TrainLoss[^1] < history.TrainLoss[0]);
        Assert.Throws<ArgumentException>(() => TextDistillation.Fit(student, teacher, ids, [2, .. labels[1..]],
            Optim.Adam(student.parameters()), epochs: 1));
    }

    /// <summary>Returns NaN logits: any use of its soft targets poisons the student.</summary>
    sealed class NaNTeacher() : nn.Module<Tensor, Tensor>(nameof(NaNTeacher))
    {
        public override Tensor forward(Tensor x) => full(x.shape[0], 1, double.NaN, device: x.device);
    }

    [Fact]
    public void WithAlphaZeroTheTeacherIsNotRunAndTheStudentLearnsFromTheLabelsAlone()
    {
        using var ids = Ids(rows: 64, length: 8, vocabulary: 30, seed: 4);
        var labels = Enumerable.Range(0, 64).Select(i => i % 2).ToArray();
        EmbeddingBagClassifier Student()
        {
            torch.manual_seed(22);
            return TextModels.EmbeddingBag(vocabulary: 30, dimensions: 8, dropout: 0, device: CPU);
        }
        using var plain = Student();
        using var distilled = Student();
        using var y = TextModels.Labels(labels, CPU);
        Trainer.Fit(plain, ids, y, TextModels.BinaryCrossEntropy, Optim.Adam(plain.parameters(), 0.05),
            new TrainOptions { Epochs = 3, BatchSize = 16, Seed = 5, ProgressEvery = 0 });
        TextDistillation.Fit(distilled, new NaNTeacher(), ids, labels, Optim.Adam(distilled.parameters(), 0.05), epochs: 3,
            batchSize: 16, alpha: 0, seed: 5);
        // Cross-entropy on (0, z) is binary cross-entropy on z up to rounding, so the two students agree closely.
        Assert.All(TorchLogits(plain, ids).Zip(TorchLogits(distilled, ids)),
            p => Assert.True(Math.Abs(p.First - p.Second) < 1e-3, $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void Int8EmbeddingBagIsAQuarterOfTheSizeAndAnswersAlmostTheSame()
    {
        torch.manual_seed(31);
        using var bag = TextModels.EmbeddingBag(vocabulary: 2000, dimensions: 64, device: CPU);
        using var int8 = new QuantizedEmbeddingBagClassifier(bag);
        double ratio = (double)CompressionMeasure.SizeOnDisk(int8) / CompressionMeasure.SizeOnDisk(bag);
        Assert.InRange(ratio, 0.2, 0.32);
        // Each table value is off by at most half its row's step; the row's step is max|w| / 127.
        var rowMax = bag.Embedding.weight!.abs().amax(1);
        Assert.True(int8.MaxTableError(bag) <= rowMax.max().item<float>() / 127 / 2 * 1.0001);
        using var ids = Ids(rows: 20, length: 12, vocabulary: 2000);
        var exact = TorchLogits(bag, ids);
        var approximate = TorchLogits(int8, ids);
        Assert.All(exact.Zip(approximate), p => Assert.True(Math.Abs(p.First - p.Second) < 0.02, $"{p.First} vs {p.Second}"));
        Assert.True(exact.Zip(approximate).Any(p => p.First != p.Second), "int8 rounding changes something");
    }

    [Fact]
    public void Int8EmbeddingBagOnnxMatchesItsTorchSharpModuleWithin1e5()
    {
        torch.manual_seed(32);
        using var bag = TextModels.EmbeddingBag(vocabulary: 300, dimensions: 16, device: CPU);
        using var int8 = new QuantizedEmbeddingBagClassifier(bag);
        using var ids = Ids(rows: 9, length: 10, vocabulary: 300);
        using var onnx = new OnnxTextModel(TextOnnxExport.ToBytes(int8, 10));
        var expected = TorchLogits(int8, ids);
        Assert.All(expected.Zip(onnx.Logits(ids)), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5, $"{p.First} vs {p.Second}"));
        // Size: one byte per table value against four (plus a float scale per row, which matters at 16 dimensions).
        using var wide = TextModels.EmbeddingBag(vocabulary: 2000, dimensions: 64, device: CPU);
        long floatBytes = TextOnnxExport.ToBytes(wide, 10).LongLength;
        long int8Bytes = TextOnnxExport.ToBytes(new QuantizedEmbeddingBagClassifier(wide), 10).LongLength;
        Assert.InRange((double)int8Bytes / floatBytes, 0.2, 0.3);
    }
}

public class TextEvaluationTests
{
    [Fact]
    public void DuplicatesAreFoundByKeyAcrossSplits()
    {
        string[] texts = ["Call 0800 now", "hi", "call 0800 NOW", "bye", "hi"];
        Assert.Equal([0, 1, 2, 3], TextDuplicates.FirstOccurrences(texts));
        Assert.Equal([0, 1, 3], TextDuplicates.FirstOccurrences(texts, t => t.ToLowerInvariant()));
        Assert.Equal(2, TextDuplicates.CountSeenIn(["hi", "CALL 0800 NOW", "new"], texts, t => t.ToLowerInvariant()));
        var conflicts = TextDuplicates.ConflictingLabels(texts, [1, 0, 0, 0, 0], t => t.ToLowerInvariant());
        Assert.Equal([0, 2], Assert.Single(conflicts));
    }

    [Fact]
    public void MisclassifiedShowsBothKindsMostConfidentInTheWrongLabelFirst()
    {
        // Threshold 0.9: four missed spam (p 0.1, 0.5, 0.8, 0.85) and one blocked ham (p 0.95).
        string[] texts = ["s1", "s2", "s3", "s4", "h1", "h2"];
        int[] y = [1, 1, 1, 1, 0, 0];
        double[] p = [0.1, 0.5, 0.8, 0.85, 0.95, 0.2];
        var rows = SpamEvaluation.Misclassified(texts, y, p, threshold: 0.9, max: 2).ToPlainText();
        Assert.Contains("h1", rows);
        Assert.DoesNotContain("s3", rows);   // only the two missed spam most confidently called ham
        Assert.True(rows.IndexOf("h1") < rows.IndexOf("s1") && rows.IndexOf("s1") < rows.IndexOf("s2"), rows);
    }

    [Fact]
    public void ApDifferenceOfAModelWithItselfIsExactlyZero()
    {
        int[] y = [0, 1, 0, 1, 1, 0, 0, 1];
        double[] a = [0.1, 0.9, 0.3, 0.7, 0.4, 0.5, 0.2, 0.8], worse = [0.9, 0.1, 0.3, 0.7, 0.4, 0.5, 0.8, 0.2];
        var same = SpamEvaluation.ApDifference(y, a, a, resamples: 200);
        Assert.Equal((0.0, 0.0, 0.0), (same.Value, same.Lower, same.Upper));
        var better = SpamEvaluation.ApDifference(y, a, worse, resamples: 200);
        Assert.True(better.Value > 0 && better.Lower <= better.Value && better.Value <= better.Upper);
        Assert.Throws<ArgumentException>(() => SpamEvaluation.ApDifference(y, a, [0.5]));
    }
}

public class SpamCampaignTests
{
    [Fact]
    public void TheCryptoCampaignIsSeededAndMostlyOutOfAnSmsVocabulary()
    {
        Assert.Equal(SpamCampaigns.CryptoWallet(20, 1), SpamCampaigns.CryptoWallet(20, 1));
        Assert.NotEqual(SpamCampaigns.CryptoWallet(20, 1), SpamCampaigns.CryptoWallet(20, 2));
        var sms = NotebookKit.Data.Datasets.SmsSpam();
        var pipeline = new TextPipeline(TextNormalizer.Default, new WordTokenizer());
        var vocabulary = Vocabulary.Fit(pipeline.Tokens(sms.Texts.ToArray()), minCount: 2);
        double oov = vocabulary.OovRate(pipeline.Tokens(SpamCampaigns.CryptoWallet(200, 3)));
        double smsOov = vocabulary.OovRate(pipeline.Tokens(sms.Texts.Take(200).ToArray()));
        Assert.True(oov > 3 * smsOov, $"campaign OOV {oov:P1} against the collection's own {smsOov:P1}");
        Assert.Throws<ArgumentOutOfRangeException>(() => SpamCampaigns.CryptoWallet(-1, 0));
    }
}
