using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NotebookKit.Display;
using NotebookKit.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Export;

/// <summary>
/// A model package on disk (introduced in 08-export-and-serving): a folder holding
/// <list type="bullet">
/// <item><c>manifest.json</c>: <see cref="ModelManifest"/> (architecture, input schema, preprocessing, classes, metrics, versions, time);</item>
/// <item><c>weights.bin</c>: the parameters and buffers in TorchSharp's format (<c>Module.save</c>);</item>
/// <item><c>model.onnx</c> (optional): the float ONNX export, preprocessing included (<see cref="OnnxExport"/>);</item>
/// <item><c>model.int8.onnx</c> (optional): the int8 ONNX export (<see cref="OnnxExport.ToInt8Bytes(nn.Module{Tensor, Tensor}, InputSchema, Preprocessing?, OnnxExportOptions?, Compression.QuantizeOptions?)"/>, default quantisation);</item>
/// <item><c>checksums.sha256</c>: one <c>sha256-hex  file</c> line per file above, the format <c>sha256sum -c</c> checks.</item>
/// </list>
/// <see cref="Load"/> verifies every checksum before it reads anything else and refuses a tampered, truncated or
/// incomplete package with <see cref="InvalidDataException"/>. The manifest is read into fixed record types only,
/// and the weights only into the module rebuilt from the manifest's architecture: no type named by the files is
/// ever instantiated. Checksums detect damage, not a forger who rewrites them too: sign the folder if that matters.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class ModelPackage : IDisposable, IRichDisplay
{
    /// <summary>The package format this kit writes and reads.</summary>
    public const int FormatVersion = 1;
    /// <summary>File names inside a package folder.</summary>
    public const string ManifestFileName = "manifest.json";
    public const string WeightsFileName = "weights.bin";
    public const string OnnxFileName = "model.onnx";
    public const string Int8OnnxFileName = "model.int8.onnx";
    public const string ChecksumsFileName = "checksums.sha256";
    const long MaxManifestBytes = 16 << 20;

    /// <summary>The rebuilt model, in evaluation mode, on <see cref="Device"/>.</summary>
    public nn.Module<Tensor, Tensor> Module { get; }
    /// <summary>The verified manifest the model was rebuilt from.</summary>
    public ModelManifest Manifest { get; }
    /// <summary>The folder the package was loaded from.</summary>
    public string Directory { get; }
    /// <summary>The device the model runs on.</summary>
    public Device Device { get; }

    ModelPackage(nn.Module<Tensor, Tensor> module, ModelManifest manifest, string directory, Device device) =>
        (Module, Manifest, Directory, Device) = (module, manifest, directory, device);

    /// <summary>
    /// Writes a package into <paramref name="directory"/> (created if missing; it must be empty unless
    /// <paramref name="overwrite"/>). <paramref name="spec"/> defaults to <see cref="ModelSpec.FromModule(nn.Module{Tensor, Tensor})"/>; the model's
    /// children must match it (names, types and sizes). Writes model.onnx too when <paramref name="includeOnnx"/>, and
    /// model.int8.onnx when <paramref name="includeInt8Onnx"/>.
    /// Throws <see cref="ArgumentException"/> when schema, preprocessing, classes and architecture disagree, and
    /// <see cref="NotSupportedException"/> naming a layer the kit cannot rebuild.
    /// </summary>
    /// <returns>The manifest written.</returns>
    public static ModelManifest Save(string directory, nn.Module<Tensor, Tensor> model, ModelSpec? spec, InputSchema schema,
        Preprocessing? preprocessing = null, IReadOnlyList<string>? classes = null, IReadOnlyDictionary<string, double>? metrics = null,
        string name = "model", string version = "1", bool includeOnnx = true, bool overwrite = false, bool includeInt8Onnx = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        spec ??= ModelSpec.FromModule(model);
        preprocessing ??= Preprocessing.None;
        schema.Validate();
        preprocessing.Validate(schema.Features.Count);
        var outputShape = spec.OutputShape(schema.TensorShape);
        CheckModelMatchesSpec(model, spec);
        classes ??= [];
        if (classes.Count > 0 && (outputShape.Length != 1 || outputShape[0] != classes.Count))
            throw new ArgumentException($"{classes.Count} class labels but the model outputs [batch, {string.Join(", ", outputShape)}].", nameof(classes));
        if (metrics is not null && metrics.Any(m => !double.IsFinite(m.Value)))
            throw new ArgumentException("Metrics must be finite numbers.", nameof(metrics));
        RequireFiniteWeights(model, "cannot be packaged");

        var dir = new DirectoryInfo(directory);
        if (dir.Exists && dir.EnumerateFileSystemInfos().Any())
        {
            if (!overwrite) throw new IOException($"'{directory}' is not empty; pass overwrite: true to replace a package there.");
            foreach (var f in new[] { ManifestFileName, WeightsFileName, OnnxFileName, Int8OnnxFileName, ChecksumsFileName })
                File.Delete(Path.Combine(dir.FullName, f));
        }
        dir.Create();

        var manifest = new ModelManifest
        {
            Name = name, Version = version, Architecture = spec, Input = schema, Preprocessing = preprocessing,
            OutputShape = outputShape, Classes = classes.ToArray(), Metrics = new SortedDictionary<string, double>(metrics?.ToDictionary() ?? []),
            KitVersion = VersionOf(typeof(ModelPackage).Assembly), TorchSharpVersion = VersionOf(typeof(torch).Assembly),
            CreatedUtc = DateTimeOffset.UtcNow, OnnxFile = includeOnnx ? OnnxFileName : null, Int8OnnxFile = includeInt8Onnx ? Int8OnnxFileName : null,
        };
        model.save(Path.Combine(dir.FullName, WeightsFileName));
        var onnxOptions = new OnnxExportOptions { ModelName = name, Classes = classes };
        if (includeOnnx)
            File.WriteAllBytes(Path.Combine(dir.FullName, OnnxFileName), OnnxExport.ToBytes(model, schema, preprocessing, onnxOptions));
        if (includeInt8Onnx)
            File.WriteAllBytes(Path.Combine(dir.FullName, Int8OnnxFileName), OnnxExport.ToInt8Bytes(model, schema, preprocessing, onnxOptions));
        File.WriteAllText(Path.Combine(dir.FullName, ManifestFileName), JsonSerializer.Serialize(manifest, ModelManifest.Json));

        var files = new List<string> { ManifestFileName, WeightsFileName };
        if (includeOnnx) files.Add(OnnxFileName);
        if (includeInt8Onnx) files.Add(Int8OnnxFileName);
        WriteChecksums(dir.FullName, files);
        return manifest;
    }

    /// <summary>
    /// Loads a package: verifies checksums.sha256 against every file it lists (manifest.json and weights.bin must be
    /// listed), reads the manifest, rebuilds the architecture and loads the weights strictly (every parameter and
    /// buffer, shapes equal). The model lands on <paramref name="device"/> (default <see cref="Kit.Device"/>) in
    /// evaluation mode. Throws <see cref="InvalidDataException"/> naming the file for a damaged package and
    /// <see cref="FileNotFoundException"/>/<see cref="DirectoryNotFoundException"/> for a missing one.
    /// </summary>
    public static ModelPackage Load(string directory, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var dir = new DirectoryInfo(directory);
        if (!dir.Exists) throw new DirectoryNotFoundException($"Model package folder '{directory}' does not exist.");
        var manifest = ReadManifest(dir.FullName);

        var model = manifest.Architecture.Build();
        try
        {
            model.load(Path.Combine(dir.FullName, WeightsFileName), strict: true);
            RequireFiniteWeights(model, "cannot be served");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            model.Dispose();
            throw new InvalidDataException($"{WeightsFileName} does not match the architecture in {ManifestFileName}: {e.Message}", e);
        }
        device ??= Kit.Device;
        model.to(device);
        model.eval();
        return new ModelPackage(model, manifest, dir.FullName, device);
    }

    /// <summary>
    /// Verifies a package's checksums and returns its validated manifest without loading TorchSharp weights (for an
    /// ONNX-only backend). Throws <see cref="InvalidDataException"/> naming the problem, as <see cref="Load"/> does.
    /// </summary>
    public static ModelManifest ReadManifest(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var dir = new DirectoryInfo(directory);
        if (!dir.Exists) throw new DirectoryNotFoundException($"Model package folder '{directory}' does not exist.");
        var verified = VerifiedFiles(dir.FullName);

        var manifestPath = Path.Combine(dir.FullName, ManifestFileName);
        if (new FileInfo(manifestPath).Length > MaxManifestBytes) throw new InvalidDataException($"{ManifestFileName} is larger than {MaxManifestBytes} bytes.");
        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(manifestPath), ModelManifest.Json)
                ?? throw new InvalidDataException($"{ManifestFileName} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ManifestFileName} is not a valid manifest: {e.Message}", e);
        }
        if (manifest.Architecture?.Layers is null || manifest.Input?.Features is null || manifest.Preprocessing is null || manifest.OutputShape is null
            || manifest.Classes is null || manifest.Metrics is null || manifest.Architecture.Layers.Any(l => l is null) || manifest.Input.Features.Any(f => f is null))
            throw new InvalidDataException($"{ManifestFileName} is missing a required field (architecture, input, preprocessing, outputShape, classes or metrics is null).");
        if (manifest.FormatVersion != FormatVersion)
            throw new InvalidDataException($"Package format version {manifest.FormatVersion} is not supported; this kit reads version {FormatVersion}.");
        if (manifest.WeightsFile != WeightsFileName || (manifest.OnnxFile is not null && manifest.OnnxFile != OnnxFileName)
            || (manifest.Int8OnnxFile is not null && manifest.Int8OnnxFile != Int8OnnxFileName))
            throw new InvalidDataException($"{ManifestFileName} names unexpected files ('{manifest.WeightsFile}', '{manifest.OnnxFile}', '{manifest.Int8OnnxFile}').");
        foreach (var listed in new[] { manifest.OnnxFile, manifest.Int8OnnxFile })
            if (listed is not null && !verified.Contains(listed))
                throw new InvalidDataException($"{ManifestFileName} names {listed}, which {ChecksumsFileName} does not cover.");
        try
        {
            manifest.Input.Validate();
            manifest.Preprocessing.Validate(manifest.Input.Features.Count);
            var shape = manifest.Architecture.OutputShape(manifest.Input.TensorShape);
            if (!shape.SequenceEqual(manifest.OutputShape))
                throw new InvalidDataException($"{ManifestFileName} says output shape [{string.Join(", ", manifest.OutputShape)}] but the architecture gives [{string.Join(", ", shape)}].");
            // Save checks this too; a hand-edited manifest with fresh checksums must not get past Load.
            if (manifest.Classes.Count > 0 && (shape.Length != 1 || shape[0] != manifest.Classes.Count))
                throw new InvalidDataException($"{ManifestFileName} lists {manifest.Classes.Count} classes but the model outputs [batch, {string.Join(", ", shape)}].");
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"{ManifestFileName} describes an invalid model: {e.Message}", e);
        }

        return manifest;
    }

    /// <summary>
    /// Checks checksums.sha256 against the files of the package in <paramref name="directory"/>; throws
    /// <see cref="InvalidDataException"/> naming the first missing, unlisted or changed file.
    /// </summary>
    public static void Verify(string directory) => VerifiedFiles(directory);

    /// <summary>Writes checksums.sha256 for <paramref name="files"/> (bare names inside <paramref name="directory"/>).</summary>
    internal static void WriteChecksums(string directory, IEnumerable<string> files)
    {
        var lines = files.Select(f => $"{Sha256(Path.Combine(directory, f))}  {f}\n");
        File.WriteAllText(Path.Combine(directory, ChecksumsFileName), string.Concat(lines));
    }

    /// <summary>The files checksums.sha256 lists, each verified; <paramref name="required"/> (default manifest.json and
    /// weights.bin) must be among them.</summary>
    internal static IReadOnlySet<string> VerifiedFiles(string directory, IReadOnlyList<string>? required = null)
    {
        var sumsPath = Path.Combine(directory, ChecksumsFileName);
        if (!File.Exists(sumsPath)) throw new InvalidDataException($"'{directory}' is not a model package: {ChecksumsFileName} is missing.");
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var line in File.ReadLines(sumsPath))
        {
            lineNo++;
            if (line.Length == 0) continue;
            // "<64 hex>  <file>", as sha256sum writes; only bare file names, so nothing outside the folder is read.
            if (line.Length < 67 || line[64] != ' ' || line[65] != ' ' || !line[..64].All(char.IsAsciiHexDigitLower))
                throw new InvalidDataException($"{ChecksumsFileName} line {lineNo} is not '<sha256>  <file>'.");
            var file = line[66..];
            if (file != Path.GetFileName(file) || file is "." or ".." || file == ChecksumsFileName)
                throw new InvalidDataException($"{ChecksumsFileName} line {lineNo} names '{file}', which is not a file of the package.");
            if (!expected.TryAdd(file, line[..64])) throw new InvalidDataException($"{ChecksumsFileName} lists '{file}' twice.");
        }
        foreach (var file in required ?? [ManifestFileName, WeightsFileName])
            if (!expected.ContainsKey(file)) throw new InvalidDataException($"{ChecksumsFileName} does not list {file}.");
        foreach (var (file, hash) in expected)
        {
            var path = Path.Combine(directory, file);
            if (!File.Exists(path)) throw new InvalidDataException($"Package file {file} is missing.");
            var actual = Sha256(path);
            if (actual != hash)
                throw new InvalidDataException($"Package file {file} fails its SHA-256 check (expected {hash[..12]}…, found {actual[..12]}…): it was changed or truncated after export.");
        }
        return expected.Keys.ToHashSet();
    }

    /// <summary>
    /// Runs the model on raw rows (one row per sample, features in schema order): applies the preprocessing, reshapes
    /// to the input shape, runs in evaluation mode under no_grad, and returns the outputs flattened per row
    /// (<c>[rows, prod(OutputShape)]</c>). Throws <see cref="ArgumentException"/> for a wrong column count or a NaN or
    /// infinite value, naming the row and feature.
    /// </summary>
    public float[,] Predict(float[,] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var features = Manifest.Input.Features;
        int n = rows.GetLength(0), d = rows.GetLength(1);
        if (n == 0) throw new ArgumentException("Predict needs at least one row.", nameof(rows));
        if (d != features.Count) throw new ArgumentException($"Rows have {d} values but the model takes {features.Count} features ({string.Join(", ", features.Take(5).Select(f => f.Name))}{(features.Count > 5 ? ", ..." : "")}).", nameof(rows));
        var flat = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                var v = rows[i, j];
                if (!float.IsFinite(v)) throw new ArgumentException($"Row {i}, feature '{features[j].Name}' is {v}; values must be finite.", nameof(rows));
                flat[i * d + j] = v;
            }
        int outSize = (int)Manifest.OutputShape.Aggregate(1L, (a, b) => a * b);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = torch.tensor(flat, [n, d], device: Device);
        var pre = Manifest.Preprocessing;
        if (pre.IsStandardize)
            x = (x - torch.tensor(pre.Mean!, device: Device)) / torch.tensor(pre.Std!, device: Device);
        x = x.reshape([n, .. Manifest.Input.TensorShape]);
        Module.eval();
        var y = Module.call(x).reshape(n, outSize).cpu().to_type(ScalarType.Float32);
        var values = y.data<float>().ToArray();
        var result = new float[n, outSize];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
    }

    /// <summary>
    /// Class probabilities of raw rows (one array per row, features in schema order): the softmax of
    /// <see cref="Predict(float[,])"/>, for a classifier whose graph ends in logits (08-export-and-serving).
    /// </summary>
    public float[][] PredictProbabilities(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (Manifest.Classes.Count == 0) throw new InvalidOperationException("This package has no class labels (a regression model?).");
        int d = Manifest.Input.Features.Count;
        var grid = new float[rows.Count, d];
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != d) throw new ArgumentException($"Row {i} has {rows[i].Length} values but the model takes {d} features.", nameof(rows));
            for (int j = 0; j < d; j++) grid[i, j] = rows[i][j];
        }
        var logits = Predict(grid);
        int k = logits.GetLength(1);
        return Enumerable.Range(0, rows.Count).Select(i =>
        {
            var z = Enumerable.Range(0, k).Select(j => (double)logits[i, j]).ToArray();
            double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
            return z.Select(v => (float)(Math.Exp(v - max) / sum)).ToArray();
        }).ToArray();
    }

    /// <summary>Class labels of the rows: the argmax of each output row mapped through <see cref="ModelManifest.Classes"/>.</summary>
    public string[] PredictLabels(float[,] rows)
    {
        var classes = Manifest.Classes;
        if (classes.Count == 0) throw new InvalidOperationException("This package has no class labels (a regression model?).");
        var y = Predict(rows);
        var labels = new string[y.GetLength(0)];
        for (int i = 0; i < labels.Length; i++)
        {
            for (int j = 0; j < classes.Count; j++)
                if (!float.IsFinite(y[i, j]))
                    throw new ArgumentException($"Row {i}: the model's output is {y[i, j]} for class '{classes[j]}'; no label can be given.", nameof(rows));
            int best = 0;
            for (int j = 1; j < classes.Count; j++) if (y[i, j] > y[i, best]) best = j;
            labels[i] = classes[best];
        }
        return labels;
    }

    /// <summary>A model with NaN or infinite weights predicts nothing useful: refuse it, naming the first such tensor.</summary>
    internal static void RequireFiniteWeights(nn.Module<Tensor, Tensor> model, string consequence)
    {
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict())
            if (t.is_floating_point() && !isfinite(t).all().item<bool>())
                throw new ArgumentException($"The model's '{name}' holds NaN or infinity (did training diverge?); it {consequence}.", nameof(model));
    }

    /// <summary>Path of the package's float ONNX model, or null if it has none.</summary>
    public string? OnnxPath => Manifest.OnnxFile is null ? null : Path.Combine(Directory, Manifest.OnnxFile);

    /// <summary>Path of the package's int8 ONNX model, or null if it has none.</summary>
    public string? Int8OnnxPath => Manifest.Int8OnnxFile is null ? null : Path.Combine(Directory, Manifest.Int8OnnxFile);

    /// <summary>Frees the model's tensors.</summary>
    public void Dispose() => Module.Dispose();

    /// <summary>What the package holds, one row per fact: name, layers, input, preprocessing, classes, metrics, files and sizes.</summary>
    public HtmlTable Summary()
    {
        var m = Manifest;
        var table = new HtmlTable(["", "value"], $"model package {m.Name} v{m.Version}");
        table.AddRow("architecture", string.Join(" → ", m.Architecture.Layers.Select(l => l.Type)));
        table.AddRow("input", $"{m.Input.Features.Count} features [{string.Join(", ", m.Input.TensorShape)}]: " +
            string.Join(", ", m.Input.Features.Take(4).Select(f => $"{f.Name} ({f.DType})")) + (m.Input.Features.Count > 4 ? ", ..." : ""));
        table.AddRow("preprocessing", m.Preprocessing.Kind);
        table.AddRow("output", $"[{string.Join(", ", m.OutputShape)}]" + (m.Classes.Count > 0 ? ": " + string.Join(", ", m.Classes) : ""));
        foreach (var (k, v) in m.Metrics) table.AddRow(k, v);
        table.AddRow("versions", $"kit {m.KitVersion}, TorchSharp {m.TorchSharpVersion}, created {m.CreatedUtc:u}");
        foreach (var f in new[] { ManifestFileName, WeightsFileName, m.OnnxFile, m.Int8OnnxFile }.OfType<string>())
            table.AddRow(f, $"{new FileInfo(Path.Combine(Directory, f)).Length:N0} bytes");
        return table;
    }

    public string ToHtml() => Summary().ToHtml();
    public string ToPlainText() => Summary().ToPlainText();
    public override string ToString() => $"model package {Manifest.Name} v{Manifest.Version} ({Directory})";

    static string Compact(string json) => string.Join(" ", json.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));

    internal static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    internal static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";

    internal static void CheckModelMatchesSpec(nn.Module<Tensor, Tensor> model, ModelSpec spec)
    {
        var names = model.named_children().Select(c => c.name).ToArray();
        var specNames = spec.Layers.Select(l => l.Name).ToArray();
        if (!names.SequenceEqual(specNames))
            throw new ArgumentException($"The model's layers [{string.Join(", ", names)}] do not match the spec's [{string.Join(", ", specNames)}].");
        var actual = ModelSpec.FromModule(model);
        // Compare with the spec as TorchSharp builds it, so defaults left out of a hand-written spec compare equal.
        using var built = spec.Build();
        var expected = ModelSpec.FromModule(built);
        for (int i = 0; i < specNames.Length; i++)
        {
            string a = JsonSerializer.Serialize(actual.Layers[i], ModelManifest.Json), e = JsonSerializer.Serialize(expected.Layers[i], ModelManifest.Json);
            if (a != e)
                throw new ArgumentException($"Layer '{specNames[i]}' differs between the model and the spec: model {Compact(a)}, spec {Compact(e)}.");
        }
    }
}
