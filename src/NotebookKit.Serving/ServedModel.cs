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
    /// <summary>For a text model: the preprocessing raw text goes through, the decision threshold and the drift
    /// reference (<see cref="ServedText"/>); null for a model of feature rows.</summary>
    public ServedText? Text
    {
        get => text;
        init => text = value is null ? null
            : value.Encoder.Features != Backend.FeatureCount ? throw new ArgumentException($"The text preprocessing makes {value.Encoder.Features} values per text but the backend takes {Backend.FeatureCount}.", nameof(Text))
            : ClassNames.Count != 2 ? throw new ArgumentException($"A text model is a binary classifier; this one has {ClassNames.Count} classes.", nameof(Text))
            : value;
    }
    readonly ServedText? text;
    /// <summary>The class of one row of probabilities: the most probable class, or for a text model the second class
    /// when its probability reaches the package's threshold (<see cref="ServedText.Threshold"/>).</summary>
    public int Decide(ReadOnlySpan<float> probabilities)
    {
        if (text is { } t) return probabilities[1] >= t.Threshold ? 1 : 0;
        int best = 0;
        for (int c = 1; c < probabilities.Length; c++) if (probabilities[c] > probabilities[best]) best = c;
        return best;
    }

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

/// <summary>
/// What turns raw text into a text model's rows, and its decision: a text is labelled with the second class when
/// P(second class) >= <see cref="Threshold"/>. With a <see cref="Reference"/>, the server monitors text drift.
/// </summary>
public sealed record ServedText
{
    public NotebookKit.Text.TextEncoder Encoder { get; }
    public double Threshold { get; }
    public NotebookKit.Monitoring.TextDriftReference? Reference { get; }

    public ServedText(NotebookKit.Text.TextEncoder encoder, double threshold, NotebookKit.Monitoring.TextDriftReference? reference = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        if (!(threshold is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), $"The threshold must be in [0, 1], got {threshold}.");
        reference?.Validate();
        (Encoder, Threshold, Reference) = (encoder, threshold, reference);
    }
}
