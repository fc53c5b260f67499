using System.Text.Json.Nodes;
using NotebookKit.Data;
using NotebookKit.Export;
using NotebookKit.Text;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Text;

/// <summary>A text package carries its preprocessing, checksummed, and refuses a tampered or inconsistent file.</summary>
public class TextPackageTests
{
    static readonly string[] Texts = Datasets.SmsSpam(TestPaths.Data("SMSSpamCollection.tsv")).Texts.Take(400).ToArray();
    static readonly TextPipeline Pipeline = new(TextNormalizer.Default, new WordTokenizer());
    static readonly string[][] Tokens = Pipeline.Tokens(Texts);
    static readonly string[] Classes = ["ham", "spam"];

    static string NewDir() => Path.Combine(Path.GetTempPath(), $"nbkit-textpkg-{Guid.NewGuid():N}");

    static (string Dir, nn.Module<Tensor, Tensor> Model, Vocabulary Vocabulary) SaveTransformer(int sequenceLength = 16)
    {
        torch.manual_seed(2);
        var vocabulary = Vocabulary.Fit(Tokens, minCount: 2);
        var model = TextModels.Transformer(vocabulary.Count, maxLength: 16, dimensions: 16, heads: 2, layers: 1, device: CPU);
        var dir = NewDir();
        TextPackage.Save(dir, model, TextEncoder.Ids(Pipeline, vocabulary, sequenceLength), 0.3, Classes, referenceTexts: Texts[200..],
            drift: new NotebookKit.Monitoring.TextDriftOptions { WindowTexts = 50 }, name: "sms");
        return (dir, model, vocabulary);
    }

    [Fact]
    public void A_loaded_package_predicts_raw_text_as_the_model_did_on_encoded_ids()
    {
        var (dir, model, vocabulary) = SaveTransformer();
        using var package = TextPackage.Load(dir, CPU);
        using var ids = vocabulary.Encode(Tokens[..100], 16);
        var direct = TextModels.Probabilities(model, ids);
        var loaded = package.Probabilities(Texts[..100]);
        for (int i = 0; i < 100; i++) Assert.Equal(direct[i], loaded[i], 1e-6);
        var predictions = package.Predict(Texts[..100]);
        Assert.All(predictions.Zip(direct), p => Assert.Equal(p.Second >= 0.3 ? "spam" : "ham", p.First.Label));
        Assert.NotNull(package.Reference);
        Assert.Equal(50, package.CreateMonitor().WindowTexts);
    }

    [Fact]
    public void An_int8_embedding_bag_package_answers_as_the_int8_model_in_torch_and_onnx_and_is_smaller()
    {
        torch.manual_seed(3);
        var vocabulary = Vocabulary.Fit(Tokens, minCount: 2);
        var bag = TextModels.EmbeddingBag(vocabulary.Count, dimensions: 32, dropout: 0, device: CPU);
        using var int8 = new QuantizedEmbeddingBagClassifier(bag);
        var encoder = TextEncoder.Ids(Pipeline, vocabulary, 16);
        var (floatDir, int8Dir) = (NewDir(), NewDir());
        TextPackage.Save(floatDir, bag, encoder, 0.5, Classes, name: "float");
        var manifest = TextPackage.Save(int8Dir, int8, encoder, 0.5, Classes, name: "int8");
        Assert.Equal("EmbeddingBagInt8", manifest.Model.Type);

        using var package = TextPackage.Load(int8Dir, CPU);
        Assert.IsType<QuantizedEmbeddingBagClassifier>(package.Module);
        using var ids = vocabulary.Encode(Tokens[..100], 16);
        var direct = TextModels.Probabilities(int8, ids);
        var loaded = package.Probabilities(Texts[..100]);
        var floatP = TextModels.Probabilities(bag, ids);
        for (int i = 0; i < 100; i++) Assert.Equal(direct[i], loaded[i], 1e-7);
        Assert.True(direct.Zip(floatP).Any(p => p.First != p.Second), "the package holds the int8 model, not the float one");
        using var onnx = new OnnxTextModel(File.ReadAllBytes(Path.Combine(int8Dir, ModelPackage.OnnxFileName)));
        var onnxLogits = onnx.Logits(ids);
        var torchLogits = Trainer.Predict(int8, ids).data<float>().ToArray();
        for (int i = 0; i < 100; i++) Assert.Equal(torchLogits[i], onnxLogits[i], 1e-5);

        long Bytes(string dir, string file) => new FileInfo(Path.Combine(dir, file)).Length;
        foreach (var file in new[] { ModelPackage.WeightsFileName, ModelPackage.OnnxFileName })
            Assert.InRange((double)Bytes(int8Dir, file) / Bytes(floatDir, file), 0.2, 0.35);
    }

    [Fact]
    public void The_tfidf_mlp_package_keeps_terms_idf_and_the_normaliser_settings()
    {
        var normalizer = new TextNormalizer { Numbers = false };
        var pipeline = new TextPipeline(normalizer, new CharNGramTokenizer(2, 3));
        var tfidf = new TfidfVectorizer { MinDf = 2, SublinearTf = true, MaxFeatures = 300 };
        var x = tfidf.FitTransform(pipeline.Tokens(Texts)).ToTensor(CPU);
        torch.manual_seed(4);
        using var mlp = TextModels.KerasMlp(tfidf.Vocabulary.Count, CPU);
        var dir = NewDir();
        TextPackage.Save(dir, mlp, TextEncoder.TfIdf(pipeline, tfidf), 0.5, Classes);
        using var package = TextPackage.Load(dir, CPU);
        Assert.False(package.Encoder.Pipeline.Normalizer.Numbers);
        Assert.Equal(3, ((CharNGramTokenizer)package.Encoder.Pipeline.Tokenizer).MaxN);
        Assert.Equal(tfidf.Vocabulary, package.Encoder.Tfidf!.Vocabulary);
        Assert.Equal(tfidf.Idf!, package.Encoder.Tfidf.Idf!);
        var direct = TextModels.Probabilities(mlp, x);
        var loaded = package.Probabilities(Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(direct[i], loaded[i], 1e-6);
        Assert.Null(package.Reference);
    }

    [Theory]
    [InlineData(TextPackage.ManifestFileName)]
    [InlineData(TextPackage.VocabularyFileName)]
    [InlineData(TextPackage.ReferenceFileName)]
    [InlineData(ModelPackage.WeightsFileName)]
    [InlineData(ModelPackage.OnnxFileName)]
    public void Every_file_is_checksummed_and_a_changed_byte_is_refused_naming_it(string file)
    {
        var (dir, _, _) = SaveTransformer();
        var listed = File.ReadAllLines(Path.Combine(dir, ModelPackage.ChecksumsFileName)).Select(l => l[66..]).ToArray();
        Assert.Contains(file, listed);
        var path = Path.Combine(dir, file);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => TextPackage.Load(dir, CPU));
        Assert.Contains($"{file} fails its SHA-256 check", error.Message);
    }

    /// <summary>Edits a file and writes fresh checksums, as a careless hand (or a forger) would.</summary>
    static void EditWithFreshChecksums(string dir, string file, Func<string, string> edit)
    {
        var path = Path.Combine(dir, file);
        File.WriteAllText(path, edit(File.ReadAllText(path)));
        var listed = File.ReadAllLines(Path.Combine(dir, ModelPackage.ChecksumsFileName)).Select(l => l[66..]).ToArray();
        ModelPackage.WriteChecksums(dir, listed);
    }

    static string EditJson(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    [Fact]
    public void Files_that_disagree_are_refused_even_with_fresh_checksums()
    {
        var cases = new (string File, Func<string, string> Edit, string Says)[]
        {
            (TextPackage.VocabularyFileName, j => EditJson(j, o => o["Tokens"]!.AsArray().RemoveAt(5)), "vocabulary has"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["threshold"] = 1.5), "threshold must be a probability"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["sequenceLength"] = 40), "exceeds the Transformer's 16 positions"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["classes"] = new JsonArray("ham", "spam", "other")), "two distinct class labels"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["features"] = "tfidf"), "unexpected features or files"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["tokenizer"]!["type"] = "bpe"), "Unknown tokenizer type 'bpe'"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["vocabularyFile"] = "../vocabulary.json"), "unexpected features or files"),
            (TextPackage.ManifestFileName, j => EditJson(j, o => o["extra"] = 1), "not valid"),
            (TextPackage.ReferenceFileName, j => EditJson(j, o => o["oovRate"] = 3), "OOV rate must be in [0, 1]"),
        };
        foreach (var (file, edit, says) in cases)
        {
            var (dir, _, _) = SaveTransformer();
            EditWithFreshChecksums(dir, file, edit);
            var error = Assert.Throws<InvalidDataException>(() => TextPackage.Load(dir, CPU));
            Assert.True(error.Message.Contains(says), $"{file}: expected '{says}' in: {error.Message}");
        }
    }

    [Fact]
    public void Save_refuses_a_model_and_preprocessing_that_do_not_fit_together()
    {
        var vocabulary = Vocabulary.Fit(Tokens, minCount: 2);
        var ids = TextEncoder.Ids(Pipeline, vocabulary, 16);
        using var bag = TextModels.EmbeddingBag(vocabulary.Count + 3, 8, device: CPU);
        Assert.Contains("vocabulary has", Assert.Throws<ArgumentException>(() => TextPackage.Save(NewDir(), bag, ids, 0.5, Classes)).Message);
        using var right = TextModels.EmbeddingBag(vocabulary.Count, 8, device: CPU);
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentException>(() => TextPackage.Save(NewDir(), right, ids, double.PositiveInfinity, Classes)).Message);
        Assert.Contains("two distinct", Assert.Throws<ArgumentException>(() => TextPackage.Save(NewDir(), right, ids, 0.5, ["a", "a"])).Message);
        var tfidf = new TfidfVectorizer { MinDf = 2 };
        tfidf.Fit(Tokens);
        Assert.Contains("reads token ids", Assert.Throws<ArgumentException>(() => TextPackage.Save(NewDir(), right, TextEncoder.TfIdf(Pipeline, tfidf), 0.5, Classes)).Message);
        using var mlp = TextModels.KerasMlp(tfidf.Vocabulary.Count + 1, CPU);
        Assert.Throws<ArgumentException>(() => TextPackage.Save(NewDir(), mlp, TextEncoder.TfIdf(Pipeline, tfidf), 0.5, Classes));
    }

    [Fact]
    public void In_process_prediction_refuses_control_characters_and_lone_surrogates_naming_the_text()
    {
        var (dir, _, _) = SaveTransformer();
        using var package = TextPackage.Load(dir, CPU);
        Assert.Contains("Text 1: Control character U+0000 at index 2", Assert.Throws<ArgumentException>(() => package.Predict(["fine", "a \0 b"])).Message);
        Assert.Contains("Text 0: A lone UTF-16 surrogate at index 1", Assert.Throws<ArgumentException>(() => package.Predict(["x\ud800"])).Message);
        Assert.InRange(package.Predict("tab\tand a C1 quote \u0092 are fine").Probability, 0, 1);
    }
}
