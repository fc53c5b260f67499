using NotebookKit.Serving.Backends;

namespace NotebookKit.Serving;

/// <summary>
/// One version of a model the server can serve: its backend plus the input schema (feature names, float32),
/// class labels and, for drift detection, reference rows from the training data.
/// </summary>
public sealed class ServedModel
{
    public string Name { get; }
    public string Version { get; }
    public IModelBackend Backend { get; }
    public IReadOnlyList<string> FeatureNames { get; }
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Training inputs (raw, one array per row) that drift is measured against; null disables drift.</summary>
    public IReadOnlyList<float[]>? ReferenceRows { get; init; }
    /// <summary>The class live F1 is reported for, by name (09 uses "malignant"); null: the second class.</summary>
    public string? PositiveClass
    {
        get => positiveClass;
        init => positiveClass = value is null || ClassNames.Contains(value) ? value
            : throw new ArgumentException($"Positive class '{value}' is not one of {string.Join(", ", ClassNames)}.", nameof(PositiveClass));
    }
    readonly string? positiveClass;
    /// <summary>The index of <see cref="PositiveClass"/> (1 when it is null).</summary>
    public int PositiveIndex => positiveClass is null ? 1 : ClassNames.ToList().IndexOf(positiveClass);
    /// <summary>Free-form facts shown in the metadata endpoint (metrics at export, source package...).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>The OIP input tensor name.</summary>
    public const string InputName = "input";

    public ServedModel(string name, string version, IModelBackend backend, IReadOnlyList<string> featureNames, IReadOnlyList<string> classNames)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"Model name '{name}' must be non-empty ASCII letters, digits, '-', '_' or '.'.", nameof(name));
        if (string.IsNullOrWhiteSpace(version) || version.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"Version '{version}' must be non-empty ASCII letters, digits, '-', '_' or '.'.", nameof(version));
        if (featureNames.Count != backend.FeatureCount)
            throw new ArgumentException($"{featureNames.Count} feature names for a backend with {backend.FeatureCount} inputs.", nameof(featureNames));
        if (featureNames.Distinct().Count() != featureNames.Count) throw new ArgumentException("Feature names must be unique.", nameof(featureNames));
        if (classNames.Count != backend.OutputCount)
            throw new ArgumentException($"{classNames.Count} class names for a backend with {backend.OutputCount} outputs.", nameof(classNames));
        Name = name; Version = version; Backend = backend; FeatureNames = featureNames.ToArray(); ClassNames = classNames.ToArray();
    }
}
