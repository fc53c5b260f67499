using NotebookKit.Export;
using NotebookKit.Serving.Backends;
using NotebookKit.Setup;
using NotebookKit.Text;
using TorchSharp;

namespace NotebookKit.Serving;

/// <summary>
/// Serves model packages written by <see cref="ModelPackage"/> or <see cref="TextPackage"/>. The package's checksums
/// are verified first, so a tampered or truncated package is refused (<see cref="InvalidDataException"/>) before
/// anything is served.
/// </summary>
public static class PackageModels
{
    /// <summary>
    /// A served model from a package folder. <paramref name="backend"/>: "onnx" (needs model.onnx), "torch", or null
    /// for ONNX when the package has it, else TorchSharp. The name and version come from the manifest unless given; <paramref name="positiveClass"/> names the class live F1 is
    /// reported for (default: the second class).
    /// </summary>
    public static ServedModel Load(string packageDir, string? backend = null, string? name = null, string? version = null,
        IReadOnlyList<float[]>? referenceRows = null, torch.Device? device = null, string? positiveClass = null)
    {
        RegularFilesOnly(packageDir);
        if (TextPackage.IsTextPackage(packageDir))
        {
            if (referenceRows is not null)
                throw new ArgumentException($"'{packageDir}' is a text package: it carries its own drift reference (reference texts given to TextPackage.Save), not reference rows.");
            return LoadText(packageDir, backend, name, version, device ?? Kit.Device, positiveClass);
        }
        // Verifies the checksums and reads the manifest safely, without building the model (the ONNX backend never needs it).
        var manifest = ModelPackage.ReadManifest(packageDir);
        var directory = Path.GetFullPath(packageDir);
        if (manifest.Input.TensorShape.Length != 1)
            throw new NotSupportedException($"The server takes rows of named features; this package's input is [{string.Join(", ", manifest.Input.TensorShape)}].");
        if (manifest.OutputShape.Length != 1)
            throw new NotSupportedException($"The server serves classifiers with output [batch, classes]; this package outputs [batch, {string.Join(", ", manifest.OutputShape)}].");
        var features = manifest.Input.Features.Select(f => f.Name).ToArray();
        var classes = manifest.Classes.Count > 0 ? manifest.Classes.ToArray() : Enumerable.Range(0, (int)manifest.OutputShape[0]).Select(i => i.ToString()).ToArray();
        bool logits = manifest.Architecture.Layers.Count == 0 || manifest.Architecture.Layers[^1].Type != "Softmax";
        var onnxPath = Path.Combine(directory, ModelPackage.OnnxFileName);
        var choice = (backend ?? (manifest.OnnxFile is not null && File.Exists(onnxPath) ? "onnx" : "torch")).ToLowerInvariant();
        device ??= Kit.Device;

        IModelBackend server = choice switch
        {
            "onnx" when manifest.OnnxFile is null => throw new ArgumentException($"Package '{packageDir}' has no {ModelPackage.OnnxFileName}; use the torch backend."),
            "onnx" => new OnnxBackend(File.ReadAllBytes(onnxPath), logits, cuda: device.type == DeviceType.CUDA),
            "torch" => TorchFrom(packageDir, manifest, features.Length, logits, device),
            _ => throw new ArgumentException($"Unknown backend '{backend}'; use onnx or torch."),
        };
        return new ServedModel(name ?? manifest.Name, version ?? manifest.Version, server, features, classes)
        {
            ReferenceRows = referenceRows,
            PositiveClass = positiveClass,
            Properties = Properties(directory, manifest.CreatedUtc, manifest.KitVersion, manifest.Metrics),
        };
    }

    /// <summary>
    /// A text package (<see cref="TextPackage"/>): served with its preprocessing, so <c>POST /v2/models/{name}/text</c>
    /// (and <c>/predict</c>) take raw text. The backend gives [1 − p, p] from the model's one logit
    /// (<see cref="BinaryLogitBackend"/>); the features are the encoder's values (<c>id_0</c>... or <c>tfidf_0</c>...).
    /// </summary>
    static ServedModel LoadText(string packageDir, string? backend, string? name, string? version, torch.Device device, string? positiveClass)
    {
        var (manifest, encoder, reference) = TextPackage.ReadWithoutWeights(packageDir);
        var directory = Path.GetFullPath(packageDir);
        var choice = (backend ?? (manifest.OnnxFile is not null ? "onnx" : "torch")).ToLowerInvariant();
        bool ids = encoder.Kind == TextFeatureKind.Ids;
        IModelBackend inner = choice switch
        {
            "onnx" when manifest.OnnxFile is null => throw new ArgumentException($"Package '{packageDir}' has no {ModelPackage.OnnxFileName}; use the torch backend."),
            "onnx" => new OnnxBackend(File.ReadAllBytes(Path.Combine(directory, manifest.OnnxFile)), outputsAreLogits: false, cuda: device.type == DeviceType.CUDA),
            "torch" => new TorchBackend(TextPackage.Load(packageDir, device).Module, encoder.Features, outputsAreLogits: false, device: device,
                inputType: ids ? torch.ScalarType.Int64 : torch.ScalarType.Float32),
            _ => throw new ArgumentException($"Unknown backend '{backend}'; use onnx or torch."),
        };
        var server = new BinaryLogitBackend(inner);
        var features = Enumerable.Range(0, encoder.Features).Select(i => (ids ? "id_" : "tfidf_") + i).ToArray();
        return new ServedModel(name ?? manifest.Name, version ?? manifest.Version, server, features, manifest.Classes)
        {
            PositiveClass = positiveClass,
            Properties = Properties(directory, manifest.CreatedUtc, manifest.KitVersion, manifest.Metrics),
            Text = new ServedText(encoder, manifest.Threshold, reference),
        };
    }

    static Dictionary<string, string> Properties(string directory, DateTimeOffset created, string kitVersion, IReadOnlyDictionary<string, double> metrics)
    {
        var properties = new Dictionary<string, string>
        {
            ["package"] = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar)),
            ["created_utc"] = created.ToString("O"),
            ["kit_version"] = kitVersion,
        };
        foreach (var (k, v) in metrics) properties["metric_" + k] = v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return properties;
    }

    /// <summary>Every entry of a package folder must be a regular file inside it: a symbolic link (which could point
    /// anywhere, checksum or not) or a subfolder is refused.</summary>
    public static void RegularFilesOnly(string packageDir)
    {
        if (!Directory.Exists(packageDir)) throw new DirectoryNotFoundException($"Package folder '{packageDir}' does not exist.");
        foreach (var entry in new DirectoryInfo(packageDir).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                throw new InvalidDataException($"Package file '{entry.Name}' in '{packageDir}' is a symbolic link; package files must be regular files inside the folder.");
            if (entry is not FileInfo) throw new InvalidDataException($"Package entry '{entry.Name}' in '{packageDir}' is not a regular file.");
        }
    }

    static TorchBackend TorchFrom(string dir, ModelManifest manifest, int featureCount, bool logits, torch.Device device)
    {
        var owned = ModelPackage.Load(dir, device); // the backend owns (and disposes) this module
        var p = manifest.Preprocessing;
        bool scale = p.Kind == "standard_scaler";
        if (!scale && p.Kind != "none") throw new NotSupportedException($"Preprocessing '{p.Kind}' is not supported by the TorchSharp backend.");
        return new TorchBackend(owned.Module, featureCount, scale ? p.Mean : null, scale ? p.Std : null, logits, device);
    }
}
