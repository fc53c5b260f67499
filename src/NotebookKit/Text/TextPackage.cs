using System.Text.Json;
using System.Text.Json.Serialization;
using NotebookKit.Display;
using NotebookKit.Export;
using NotebookKit.Monitoring;
using NotebookKit.Setup;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Text;

/// <summary>
/// A text classifier's architecture as plain data: <c>"Sequential"</c> (the Keras MLP on TF-IDF, described by
/// <see cref="Sequential"/>), <c>"EmbeddingBag"</c>, <c>"EmbeddingBagInt8"</c> (<see cref="QuantizedEmbeddingBagClassifier"/>)
/// or <c>"Transformer"</c> (<see cref="TextModels"/>), with the sizes needed to rebuild it. Dropout is not stored: a package is rebuilt for inference, where dropout is the identity.
/// </summary>
public sealed record TextModelSpec
{
    public required string Type { get; init; }
    /// <summary>The layers of a Sequential model.</summary>
    public ModelSpec? Sequential { get; init; }
    /// <summary>Embedding rows (the vocabulary's ids) of an EmbeddingBag or Transformer.</summary>
    public int? Vocabulary { get; init; }
    public int? Dimensions { get; init; }
    public int? Heads { get; init; }
    public int? EncoderLayers { get; init; }
    /// <summary>Learned positions of a Transformer.</summary>
    public int? MaxLength { get; init; }

    internal static TextModelSpec FromModule(nn.Module<Tensor, Tensor> model) => model switch
    {
        EmbeddingBagClassifier bag => new TextModelSpec
        {
            Type = "EmbeddingBag", Vocabulary = (int)bag.Embedding.weight!.shape[0], Dimensions = (int)bag.Embedding.weight!.shape[1],
        },
        QuantizedEmbeddingBagClassifier q => new TextModelSpec
        {
            Type = "EmbeddingBagInt8", Vocabulary = (int)q.TableInt8.shape[0], Dimensions = (int)q.TableInt8.shape[1],
        },
        TransformerClassifier t => new TextModelSpec
        {
            Type = "Transformer", Vocabulary = (int)t.Tokens.weight!.shape[0], Dimensions = t.Dimensions, MaxLength = t.MaxLength,
            Heads = t.Layers.First().Heads, EncoderLayers = t.Layers.Count(),
        },
        TorchSharp.Modules.Sequential => new TextModelSpec { Type = "Sequential", Sequential = ModelSpec.FromModule(model) },
        _ => throw new NotSupportedException(
            $"A text package holds a Sequential (such as TextModels.KerasMlp), an EmbeddingBagClassifier, a QuantizedEmbeddingBagClassifier or a TransformerClassifier, not a {model.GetType().Name}."),
    };

    /// <summary>Checks the spec against the preprocessing; throws <see cref="ArgumentException"/> naming the mismatch.</summary>
    internal void Validate(TextEncoder encoder)
    {
        static int Need(int? value, string field, string type) =>
            value is int v && v >= 1 ? v : throw new ArgumentException($"A {type} model needs a positive '{field}', got {value?.ToString() ?? "none"}.");
        switch (Type)
        {
            case "Sequential":
                if (Sequential is null) throw new ArgumentException("A Sequential text model needs its layers.");
                if (encoder.Kind != TextFeatureKind.Tfidf)
                    throw new ArgumentException("A Sequential text model reads TF-IDF rows; the preprocessing makes token ids (use EmbeddingBag or Transformer).");
                var shape = Sequential.OutputShape([encoder.Features]);
                if (!shape.SequenceEqual([1L]))
                    throw new ArgumentException($"A text model outputs one logit per text; this one outputs [batch, {string.Join(", ", shape)}].");
                return;
            case "EmbeddingBag":
            case "EmbeddingBagInt8":
            case "Transformer":
                if (encoder.Kind != TextFeatureKind.Ids)
                    throw new ArgumentException($"An {Type} model reads token ids; the preprocessing makes TF-IDF rows.");
                int vocabulary = Need(Vocabulary, "vocabulary", Type), d = Need(Dimensions, "dimensions", Type);
                if (vocabulary != encoder.Vocabulary!.Count)
                    throw new ArgumentException($"The model embeds {vocabulary} ids but the vocabulary has {encoder.Vocabulary.Count}.");
                if (d > 65536) throw new ArgumentException($"dimensions {d} is beyond any text model the kit builds.");
                if (Type is "EmbeddingBag" or "EmbeddingBagInt8") return;
                int heads = Need(Heads, "heads", Type), maxLength = Need(MaxLength, "maxLength", Type);
                Need(EncoderLayers, "encoderLayers", Type);
                if (d % heads != 0) throw new ArgumentException($"dimensions ({d}) must be divisible by heads ({heads}).");
                if (encoder.SequenceLength > maxLength || EncoderLayers > 64)
                    throw new ArgumentException($"The sequence length {encoder.SequenceLength} exceeds the Transformer's {maxLength} positions (or it has over 64 layers).");
                return;
            default:
                throw new ArgumentException($"Unknown text model type '{Type}'; use Sequential, EmbeddingBag, EmbeddingBagInt8 or Transformer.");
        }
    }

    internal nn.Module<Tensor, Tensor> Build(Device device) => Type switch
    {
        "Sequential" => Sequential!.Build().to(device),
        "EmbeddingBag" => TextModels.EmbeddingBag(Vocabulary!.Value, Dimensions!.Value, 0, device),
        "EmbeddingBagInt8" => new QuantizedEmbeddingBagClassifier(Vocabulary!.Value, Dimensions!.Value, device),
        _ => TextModels.Transformer(Vocabulary!.Value, MaxLength!.Value, Dimensions!.Value, Heads!.Value, EncoderLayers!.Value, 0, device),
    };
}

/// <summary>A tokeniser as data: <c>"word"</c> (<see cref="WordTokenizer"/>) or <c>"char"</c> (<see cref="CharNGramTokenizer"/>).</summary>
public sealed record TokenizerSpec
{
    public required string Type { get; init; }
    public bool? KeepPunctuation { get; init; }
    public int? MinN { get; init; }
    public int? MaxN { get; init; }

    internal static TokenizerSpec From(ITokenizer tokenizer) => tokenizer switch
    {
        WordTokenizer w => new() { Type = "word", KeepPunctuation = w.KeepPunctuation },
        CharNGramTokenizer c => new() { Type = "char", MinN = c.MinN, MaxN = c.MaxN },
        _ => throw new NotSupportedException($"A text package stores a WordTokenizer or a CharNGramTokenizer, not a {tokenizer.GetType().Name}."),
    };

    internal ITokenizer Build() => Type switch
    {
        "word" => new WordTokenizer { KeepPunctuation = KeepPunctuation ?? true },
        "char" when MinN is int lo && MaxN is int hi && hi <= 16 => new CharNGramTokenizer(lo, hi),
        "char" => throw new ArgumentException($"A char tokenizer needs 1 <= minN <= maxN <= 16, got ({MinN}, {MaxN})."),
        _ => throw new ArgumentException($"Unknown tokenizer type '{Type}'; use word or char."),
    };
}

/// <summary>The manifest of a <see cref="TextPackage"/> (file text-manifest.json): plain data, read into these fixed types only.</summary>
public sealed record TextManifest
{
    public int FormatVersion { get; init; } = TextPackage.FormatVersion;
    public required string Name { get; init; }
    public string Version { get; init; } = "1";
    public required TextModelSpec Model { get; init; }
    public required TextNormalizer Normalizer { get; init; }
    public required TokenizerSpec Tokenizer { get; init; }
    /// <summary>"ids" or "tfidf".</summary>
    public required string Features { get; init; }
    /// <summary>Ids per text (ids only).</summary>
    public int SequenceLength { get; init; }
    public bool KeepEnd { get; init; }
    /// <summary>A text is labelled <c>Classes[1]</c> when P(Classes[1]) >= Threshold.</summary>
    public required double Threshold { get; init; }
    /// <summary>The two class labels; the model's logit is for the second.</summary>
    public required IReadOnlyList<string> Classes { get; init; }
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public required string KitVersion { get; init; }
    public required string TorchSharpVersion { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public string WeightsFile { get; init; } = ModelPackage.WeightsFileName;
    public string? OnnxFile { get; init; }
    public string? VocabularyFile { get; init; }
    public string? TfidfFile { get; init; }
    public string? ReferenceFile { get; init; }

    internal static readonly JsonSerializerOptions Json = new(ModelManifest.Json);
}

/// <summary>One text's prediction: the label at the package's threshold, its class index and P(positive class).</summary>
public sealed record TextPrediction(string Label, int Class, double Probability);

/// <summary>
/// A text classifier with its preprocessing, as one folder (introduced in 10-text-classification-case-study):
/// <list type="bullet">
/// <item><c>text-manifest.json</c>: <see cref="TextManifest"/>: normaliser settings, tokeniser, feature kind and
/// sequence length, architecture, decision threshold, class labels, metrics, versions;</item>
/// <item><c>weights.bin</c> (TorchSharp) and <c>model.onnx</c> (optional; opset 17, one logit per text);</item>
/// <item><c>vocabulary.json</c> (token ids) or <c>tfidf.json</c> (terms and idf);</item>
/// <item><c>text-reference.json</c> (optional): the <see cref="TextDriftReference"/> live text is compared with;</item>
/// <item><c>checksums.sha256</c>: every file above, as <see cref="ModelPackage"/> writes it.</item>
/// </list>
/// <see cref="Load"/> verifies every checksum first and refuses a tampered file, then checks that the files agree
/// (vocabulary size against the embedding, TF-IDF terms against the first layer, sequence length against the learned
/// positions, threshold and classes), each with an <see cref="InvalidDataException"/> naming the problem. The model
/// server serves such a folder as it serves a <see cref="ModelPackage"/>, answering raw text.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class TextPackage : IDisposable, IRichDisplay
{
    public const int FormatVersion = 1;
    public const string ManifestFileName = "text-manifest.json";
    public const string VocabularyFileName = "vocabulary.json";
    public const string TfidfFileName = "tfidf.json";
    public const string ReferenceFileName = "text-reference.json";
    const long MaxJsonBytes = 64 << 20;

    public TextManifest Manifest { get; }
    public TextEncoder Encoder { get; }
    /// <summary>The rebuilt model in evaluation mode, on <see cref="Device"/>.</summary>
    public nn.Module<Tensor, Tensor> Module { get; }
    /// <summary>The drift reference, or null when the package was saved without reference texts.</summary>
    public TextDriftReference? Reference { get; }
    public string Directory { get; }
    public Device Device { get; }
    public double Threshold => Manifest.Threshold;
    public IReadOnlyList<string> Classes => Manifest.Classes;

    TextPackage(TextManifest manifest, TextEncoder encoder, nn.Module<Tensor, Tensor> module, TextDriftReference? reference, string directory, Device device) =>
        (Manifest, Encoder, Module, Reference, Directory, Device) = (manifest, encoder, module, reference, directory, device);

    /// <summary>True when <paramref name="directory"/> holds a text package (its manifest file).</summary>
    public static bool IsTextPackage(string directory) => File.Exists(Path.Combine(directory, ManifestFileName));

    /// <summary>
    /// Writes a text package into <paramref name="directory"/> (created if missing; it must be empty unless
    /// <paramref name="overwrite"/>). <paramref name="model"/> returns one logit per text (<see cref="TextModels"/>);
    /// <paramref name="encoder"/> is the preprocessing it was trained with (<see cref="TextEncoder.Ids"/> or
    /// <see cref="TextEncoder.TfIdf"/>); a text is labelled <c>classes[1]</c> when its probability is at least
    /// <paramref name="threshold"/>. With <paramref name="referenceTexts"/> (held-out texts from the training
    /// period, such as the validation split) the package carries a <see cref="TextDriftReference"/> and the server
    /// monitors text drift. Throws <see cref="ArgumentException"/> naming what disagrees.
    /// </summary>
    public static TextManifest Save(string directory, nn.Module<Tensor, Tensor> model, TextEncoder encoder, double threshold,
        IReadOnlyList<string>? classes = null, IReadOnlyList<string>? referenceTexts = null, TextDriftOptions? drift = null,
        IReadOnlyDictionary<string, double>? metrics = null, string name = "text-model", string version = "1",
        bool includeOnnx = true, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        classes ??= ["negative", "positive"];
        CheckDecision(threshold, classes, message => new ArgumentException(message));
        if (metrics is not null && metrics.Any(m => !double.IsFinite(m.Value))) throw new ArgumentException("Metrics must be finite numbers.", nameof(metrics));
        var spec = TextModelSpec.FromModule(model);
        spec.Validate(encoder);
        if (spec.Sequential is not null) ModelPackage.CheckModelMatchesSpec(model, spec.Sequential);
        ModelPackage.RequireFiniteWeights(model, "cannot be packaged");
        var reference = referenceTexts is null ? null
            : TextDriftReference.Fit(referenceTexts, encoder.Encode(referenceTexts).Tokens, encoder.Known, drift);

        var dir = new DirectoryInfo(directory);
        if (dir.Exists && dir.EnumerateFileSystemInfos().Any())
        {
            if (!overwrite) throw new IOException($"'{directory}' is not empty; pass overwrite: true to replace a package there.");
            foreach (var f in new[] { ManifestFileName, ModelPackage.WeightsFileName, ModelPackage.OnnxFileName, VocabularyFileName, TfidfFileName,
                ReferenceFileName, ModelPackage.ChecksumsFileName })
                File.Delete(Path.Combine(dir.FullName, f));
        }
        dir.Create();
        string At(string file) => Path.Combine(dir.FullName, file);
        bool ids = encoder.Kind == TextFeatureKind.Ids;
        var manifest = new TextManifest
        {
            Name = name, Version = version, Model = spec, Normalizer = encoder.Pipeline.Normalizer,
            Tokenizer = TokenizerSpec.From(encoder.Pipeline.Tokenizer), Features = ids ? "ids" : "tfidf",
            SequenceLength = encoder.SequenceLength, KeepEnd = encoder.KeepEnd, Threshold = threshold, Classes = classes.ToArray(),
            Metrics = new SortedDictionary<string, double>(metrics?.ToDictionary() ?? []),
            KitVersion = ModelPackage.VersionOf(typeof(TextPackage).Assembly), TorchSharpVersion = ModelPackage.VersionOf(typeof(torch).Assembly),
            CreatedUtc = DateTimeOffset.UtcNow, OnnxFile = includeOnnx ? ModelPackage.OnnxFileName : null,
            VocabularyFile = ids ? VocabularyFileName : null, TfidfFile = ids ? null : TfidfFileName,
            ReferenceFile = reference is null ? null : ReferenceFileName,
        };
        model.save(At(manifest.WeightsFile));
        if (includeOnnx) File.WriteAllBytes(At(ModelPackage.OnnxFileName), OnnxBytes(model, encoder, name));
        if (ids) encoder.Vocabulary!.Save(At(VocabularyFileName));
        else encoder.Tfidf!.Save(At(TfidfFileName));
        if (reference is not null) File.WriteAllText(At(ReferenceFileName), JsonSerializer.Serialize(reference, TextManifest.Json));
        File.WriteAllText(At(ManifestFileName), JsonSerializer.Serialize(manifest, TextManifest.Json));
        ModelPackage.WriteChecksums(dir.FullName, new[] { ManifestFileName, manifest.WeightsFile, manifest.OnnxFile, manifest.VocabularyFile,
            manifest.TfidfFile, manifest.ReferenceFile }.OfType<string>());
        return manifest;
    }

    /// <summary>The ONNX export the package carries: one logit per text from float TF-IDF rows or int64 token ids.</summary>
    static byte[] OnnxBytes(nn.Module<Tensor, Tensor> model, TextEncoder encoder, string name) => encoder.Kind == TextFeatureKind.Ids
        ? TextOnnxExport.ToBytes(model, encoder.SequenceLength, name)
        : OnnxExport.ToBytes(model, InputSchema.Float32(Enumerable.Range(0, encoder.Features).Select(i => $"tfidf_{i}")), null,
            new OnnxExportOptions { ModelName = name });

    /// <summary>
    /// Loads a package: verifies every checksum, reads and checks the manifest, the preprocessing files and the drift
    /// reference, rebuilds the model and loads its weights strictly, on <paramref name="device"/> (default
    /// <see cref="Kit.Device"/>). Throws <see cref="InvalidDataException"/> naming the first tampered, missing or
    /// inconsistent file.
    /// </summary>
    public static TextPackage Load(string directory, Device? device = null)
    {
        var (manifest, encoder, reference) = ReadWithoutWeights(directory);
        var full = Path.GetFullPath(directory);
        device ??= Kit.Device;
        var model = manifest.Model.Build(CPU);
        try
        {
            model.load(Path.Combine(full, manifest.WeightsFile), strict: true);
            ModelPackage.RequireFiniteWeights(model, "cannot be served");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidDataException($"{manifest.WeightsFile} does not match the model in {ManifestFileName}: {e.Message}", e);
        }
        model.to(device);
        model.eval();
        return new TextPackage(manifest, encoder, model, reference, full, device);
    }

    /// <summary>
    /// Verifies the checksums and reads everything but the weights: the manifest, the preprocessing and the drift
    /// reference (the ONNX backend of the server needs no TorchSharp model). Throws as <see cref="Load"/> does.
    /// </summary>
    public static (TextManifest Manifest, TextEncoder Encoder, TextDriftReference? Reference) ReadWithoutWeights(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var dir = new DirectoryInfo(directory);
        if (!dir.Exists) throw new DirectoryNotFoundException($"Text package folder '{directory}' does not exist.");
        var verified = ModelPackage.VerifiedFiles(dir.FullName, [ManifestFileName, ModelPackage.WeightsFileName]);
        var manifest = ReadJson<TextManifest>(dir.FullName, ManifestFileName);
        if (manifest.Model is null || manifest.Normalizer is null || manifest.Tokenizer is null || manifest.Classes is null
            || manifest.Metrics is null || manifest.Features is null || manifest.Name is null || manifest.Version is null)
            throw new InvalidDataException($"{ManifestFileName} is missing a required field (model, normalizer, tokenizer, features, classes or metrics is null).");
        if (manifest.FormatVersion != FormatVersion)
            throw new InvalidDataException($"Text package format version {manifest.FormatVersion} is not supported; this kit reads version {FormatVersion}.");
        bool ids = manifest.Features == "ids";
        var expected = (Weights: ModelPackage.WeightsFileName, Onnx: (string?)ModelPackage.OnnxFileName, Vocabulary: ids ? VocabularyFileName : null,
            Tfidf: ids ? null : TfidfFileName, Reference: (string?)ReferenceFileName);
        if (manifest.Features is not ("ids" or "tfidf") || manifest.WeightsFile != expected.Weights || manifest.VocabularyFile != expected.Vocabulary
            || manifest.TfidfFile != expected.Tfidf || (manifest.OnnxFile is not null && manifest.OnnxFile != expected.Onnx)
            || (manifest.ReferenceFile is not null && manifest.ReferenceFile != expected.Reference))
            throw new InvalidDataException($"{ManifestFileName} names unexpected features or files (features '{manifest.Features}'; " +
                $"files '{manifest.WeightsFile}', '{manifest.VocabularyFile}', '{manifest.TfidfFile}', '{manifest.OnnxFile}', '{manifest.ReferenceFile}').");
        foreach (var file in new[] { manifest.OnnxFile, manifest.VocabularyFile, manifest.TfidfFile, manifest.ReferenceFile }.OfType<string>())
            if (!verified.Contains(file)) throw new InvalidDataException($"{ManifestFileName} names {file}, which {ModelPackage.ChecksumsFileName} does not cover.");

        string At(string file) => Path.Combine(dir.FullName, file);
        TextEncoder encoder;
        try
        {
            CheckDecision(manifest.Threshold, manifest.Classes, message => new ArgumentException(message));
            var pipeline = new TextPipeline(manifest.Normalizer, manifest.Tokenizer.Build());
            encoder = ids
                ? TextEncoder.Ids(pipeline, Vocabulary.Load(At(VocabularyFileName)), manifest.SequenceLength, manifest.KeepEnd)
                : TextEncoder.TfIdf(pipeline, TfidfVectorizer.Load(At(TfidfFileName)));
            manifest.Model.Validate(encoder);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"The files of text package '{directory}' disagree: {e.Message}", e);
        }
        TextDriftReference? reference = null;
        if (manifest.ReferenceFile is not null)
        {
            reference = ReadJson<TextDriftReference>(dir.FullName, ReferenceFileName);
            reference.Validate();
        }
        return (manifest, encoder, reference);
    }

    static T ReadJson<T>(string directory, string file) where T : class
    {
        var path = Path.Combine(directory, file);
        if (new FileInfo(path).Length > MaxJsonBytes) throw new InvalidDataException($"{file} is larger than {MaxJsonBytes} bytes.");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), TextManifest.Json) ?? throw new InvalidDataException($"{file} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file} is not valid: {e.Message}", e);
        }
    }

    static void CheckDecision(double threshold, IReadOnlyList<string> classes, Func<string, Exception> error)
    {
        if (!(threshold is >= 0 and <= 1))
            throw error($"The threshold must be a probability in [0, 1], got {threshold} (a threshold above 1 would flag nothing).");
        if (classes.Count != 2 || classes.Any(string.IsNullOrWhiteSpace) || classes[0] == classes[1])
            throw error($"A text package holds a binary classifier: give two distinct class labels, got [{string.Join(", ", classes)}].");
    }

    /// <summary>P(<c>Classes[1]</c>) of each raw text: the sigmoid of the model's logit, in evaluation mode. Throws
    /// <see cref="ArgumentException"/> for a text <see cref="TextInput.Problem"/> refuses.</summary>
    public double[] Probabilities(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new List<double>(texts.Count);
        const int chunk = 256;
        for (int start = 0; start < texts.Count; start += chunk)
        {
            var part = texts.Skip(start).Take(chunk).ToArray();
            var encoded = Encoder.Encode(part);
            using var scope = NewDisposeScope();
            using var x = Encoder.Kind == TextFeatureKind.Ids
                ? tensor(encoded.Rows, [part.Length, encoded.Features]).to_type(ScalarType.Int64)
                : tensor(encoded.Rows, [part.Length, encoded.Features]);
            result.AddRange(TextModels.Probabilities(Module, x));
        }
        return result.ToArray();
    }

    /// <summary>Label, class and probability of each raw text at the package's threshold.</summary>
    public TextPrediction[] Predict(IReadOnlyList<string> texts) =>
        Probabilities(texts).Select(p => p >= Threshold ? new TextPrediction(Classes[1], 1, p) : new TextPrediction(Classes[0], 0, p)).ToArray();

    public TextPrediction Predict(string text) => Predict([text])[0];

    /// <summary>A monitor of live text against the package's reference (throws when it has none).</summary>
    public TextDriftMonitor CreateMonitor() => new(
        Reference ?? throw new InvalidOperationException("This package was saved without reference texts, so it has no drift reference."), Encoder.Known);

    public void Dispose() => Module.Dispose();

    public HtmlTable Summary()
    {
        var m = Manifest;
        var table = new HtmlTable(["", "value"], $"text package {m.Name} v{m.Version}");
        table.AddRow("model", m.Model.Type + (m.Model.Sequential is { } s ? ": " + string.Join(" → ", s.Layers.Select(l => l.Type)) : ""));
        table.AddRow("tokens", $"{m.Tokenizer.Type} tokenizer, {(m.Features == "ids" ? $"{Encoder.Vocabulary!.Count} ids, {m.SequenceLength} per text" : $"TF-IDF over {Encoder.Features} terms")}");
        table.AddRow("decision", $"{m.Classes[1]} when P >= {m.Threshold:0.####}, else {m.Classes[0]}");
        foreach (var (k, v) in m.Metrics) table.AddRow(k, v);
        table.AddRow("drift reference", Reference is null ? "none" : $"{Reference.ReferenceTexts} texts, window {Reference.WindowTexts}");
        foreach (var f in new DirectoryInfo(Directory).EnumerateFiles().OrderBy(f => f.Name)) table.AddRow(f.Name, $"{f.Length:N0} bytes");
        return table;
    }

    public string ToHtml() => Summary().ToHtml();
    public string ToPlainText() => Summary().ToPlainText();
    public override string ToString() => $"text package {Manifest.Name} v{Manifest.Version} ({Directory})";
}
