using System.Text.Json;
using System.Text.Json.Serialization;
using NotebookKit.Data;

namespace NotebookKit.Export;

/// <summary>One input feature: its name and declared dtype (float32, float64, int32, int64 or bool; all reach the model as float32).</summary>
public sealed record FeatureSpec(string Name, string DType = "float32");

/// <summary>
/// What a model takes: named features in order (one row = <see cref="Features"/>.Count values) and the per-row
/// tensor shape the model sees after preprocessing (default <c>[Features.Count]</c>; e.g. <c>[1, 8, 8]</c> for images,
/// filled row-major from the features).
/// </summary>
public sealed record InputSchema
{
    /// <summary>The features of one row, in order.</summary>
    public required IReadOnlyList<FeatureSpec> Features { get; init; }
    /// <summary>Per-row tensor shape (batch excluded), or null for <c>[Features.Count]</c>.</summary>
    public long[]? Shape { get; init; }

    /// <summary>All features float32, in the given order.</summary>
    public static InputSchema Float32(IEnumerable<string> names, long[]? shape = null) =>
        new() { Features = names.Select(n => new FeatureSpec(n)).ToArray(), Shape = shape };

    /// <summary>The per-row tensor shape: <see cref="Shape"/> or <c>[Features.Count]</c>.</summary>
    [JsonIgnore] public long[] TensorShape => Shape ?? [Features.Count];

    internal static readonly string[] DTypes = ["float32", "float64", "int32", "int64", "bool"];

    internal void Validate()
    {
        if (Features is null || Features.Count == 0) throw new ArgumentException("The input schema needs at least one feature.");
        var dup = Features.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Feature name '{dup.Key}' appears twice in the input schema.");
        var bad = Features.FirstOrDefault(f => string.IsNullOrWhiteSpace(f.Name) || !DTypes.Contains(f.DType));
        if (bad is not null) throw new ArgumentException($"Feature '{bad.Name}' has dtype '{bad.DType}'; names must be non-empty and dtypes one of {string.Join(", ", DTypes)}.");
        long size = TensorShape.Aggregate(1L, (a, b) => a * b);
        if (TensorShape.Any(d => d < 1) || size != Features.Count)
            throw new ArgumentException($"Input shape [{string.Join(", ", TensorShape)}] holds {size} values but the schema has {Features.Count} features.");
    }
}

/// <summary>
/// Preprocessing applied to each row before the model, per feature. Kind "standard_scaler": z = (x - Mean) / Std
/// (as scikit-learn's StandardScaler, <see cref="StandardScaler"/>). Kind "none": identity.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>"standard_scaler" or "none".</summary>
    public required string Kind { get; init; }
    /// <summary>Per-feature mean (standard_scaler).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-feature standard deviation, positive (standard_scaler).</summary>
    public float[]? Std { get; init; }

    /// <summary>No preprocessing: rows reach the model as given.</summary>
    public static Preprocessing None { get; } = new() { Kind = "none" };

    /// <summary>Standardisation z = (x - mean) / std; every std must be positive and finite.</summary>
    public static Preprocessing Standardize(float[] mean, float[] std) => new() { Kind = "standard_scaler", Mean = mean, Std = std };

    /// <summary>The parameters of a fitted <see cref="StandardScaler"/>.</summary>
    public static Preprocessing FromScaler(StandardScaler scaler)
    {
        if (scaler.Mean is null || scaler.Std is null) throw new ArgumentException("The scaler is not fitted; call Fit first.", nameof(scaler));
        return Standardize(scaler.Mean.cpu().to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray(),
                           scaler.Std.cpu().to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray());
    }

    [JsonIgnore] internal bool IsStandardize => Kind == "standard_scaler";

    internal void Validate(int features)
    {
        switch (Kind)
        {
            case "none": return;
            case "standard_scaler":
                if (Mean is null || Std is null || Mean.Length != features || Std.Length != features)
                    throw new ArgumentException($"standard_scaler needs mean and std of length {features} (one per feature), got {Mean?.Length ?? 0} and {Std?.Length ?? 0}.");
                for (int i = 0; i < features; i++)
                    if (!float.IsFinite(Mean[i]) || !float.IsFinite(Std[i]) || Std[i] <= 0)
                        throw new ArgumentException($"standard_scaler feature {i}: mean {Mean[i]} and std {Std[i]} must be finite with std > 0.");
                return;
            default:
                throw new ArgumentException($"Unknown preprocessing kind '{Kind}'; use 'none' or 'standard_scaler'.");
        }
    }
}

/// <summary>
/// The JSON manifest of a <see cref="ModelPackage"/> (file manifest.json). Plain data only: it is read into these
/// fixed record types, never into types named by the file.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>Package format version; this kit writes and reads 1.</summary>
    public int FormatVersion { get; init; } = ModelPackage.FormatVersion;
    /// <summary>Model name (the server's route).</summary>
    public required string Name { get; init; }
    /// <summary>Free-form model version, e.g. "1" or a date; the server routes by name and version.</summary>
    public string Version { get; init; } = "1";
    /// <summary>The layers the kit rebuilds the model from.</summary>
    public required ModelSpec Architecture { get; init; }
    /// <summary>Feature names, dtypes and the per-row tensor shape.</summary>
    public required InputSchema Input { get; init; }
    /// <summary>Applied to raw rows before the model (also inside the ONNX files).</summary>
    public required Preprocessing Preprocessing { get; init; }
    /// <summary>Per-row output shape (batch excluded), derived from the architecture.</summary>
    public required long[] OutputShape { get; init; }
    /// <summary>Class labels in output order; empty for regression.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    /// <summary>Metrics measured at export time, e.g. {"test_accuracy": 0.96}.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    /// <summary>NotebookKit version that wrote the package.</summary>
    public required string KitVersion { get; init; }
    /// <summary>TorchSharp version whose format weights.bin is in.</summary>
    public required string TorchSharpVersion { get; init; }
    /// <summary>When the package was written (UTC).</summary>
    public required DateTimeOffset CreatedUtc { get; init; }
    /// <summary>The weights file, in TorchSharp's format (Module.save).</summary>
    public string WeightsFile { get; init; } = ModelPackage.WeightsFileName;
    /// <summary>The float ONNX export inside the package, or null if none was written.</summary>
    public string? OnnxFile { get; init; }
    /// <summary>The int8 ONNX export inside the package, or null if none was written.</summary>
    public string? Int8OnnxFile { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        MaxDepth = 16,
        AllowTrailingCommas = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
