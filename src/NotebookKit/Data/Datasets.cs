using System.Globalization;
using System.IO.Compression;
using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>
/// Loaders for the real data sets in <c>data/</c> (sources and licences in data/README.md). Each checks the
/// shape it expects and names the file and line of anything malformed. Introduced in 00-getting-started.
/// </summary>
public static class Datasets
{
    static readonly string[] BreastCancerBase =
    [
        "radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points", "symmetry", "fractal dimension",
    ];

    /// <summary>Breast Cancer Wisconsin (Diagnostic): 569 x 30, classes malignant (0), benign (1).</summary>
    public static Dataset BreastCancer(string? path = null)
    {
        var names = BreastCancerBase.Select(b => "mean " + b)
            .Concat(BreastCancerBase.Select(b => b + " error"))
            .Concat(BreastCancerBase.Select(b => "worst " + b)).ToArray();
        return LoadHeaderedCsv("breast cancer", path ?? DataFiles.Locate("breast_cancer.csv"), names);
    }

    /// <summary>Iris: 150 x 4, classes setosa, versicolor, virginica.</summary>
    public static Dataset Iris(string? path = null) =>
        LoadHeaderedCsv("iris", path ?? DataFiles.Locate("iris.csv"),
            ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]);

    /// <summary>Wine: 178 x 13, classes class_0..class_2.</summary>
    public static Dataset Wine(string? path = null) =>
        LoadHeaderedCsv("wine", path ?? DataFiles.Locate("wine_data.csv"),
            ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
             "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines", "proline"]);

    /// <summary>Digits: 1797 8x8 grey images (pixels 0..16) as 64 features; classes 0..9. See <see cref="DigitImages"/>.</summary>
    public static Dataset Digits(string? path = null)
    {
        path ??= DataFiles.Locate("digits.csv.gz");
        var lines = ReadLines(path);
        var (x, y) = ParseRows(path, lines, 0, 65, ',');
        var features = Enumerable.Range(0, 64).Select(i => $"pixel_{i / 8}_{i % 8}").ToArray();
        ExpectRows(path, y.Length, 1797);
        return Build("digits", x, y, features, Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray());
    }

    /// <summary>The digits as images, float32 [n, 1, 8, 8], for convolutional models.</summary>
    public static Tensor DigitImages(Dataset digits) =>
        digits.Features.reshape(digits.Count, 1, 8, 8);

    /// <summary>Diabetes (Efron et al. 2004): 442 x 10 raw (unscaled) features, regression target.</summary>
    public static Dataset Diabetes(string? dataPath = null, string? targetPath = null)
    {
        dataPath ??= DataFiles.Locate("diabetes_data_raw.csv.gz");
        targetPath ??= DataFiles.Locate("diabetes_target.csv.gz");
        var (x, _) = ParseRows(dataPath, ReadLines(dataPath), 0, 10, ' ', hasLabel: false);
        var (t, _) = ParseRows(targetPath, ReadLines(targetPath), 0, 1, ' ', hasLabel: false);
        ExpectRows(dataPath, x.Length / 10, 442);
        ExpectRows(targetPath, t.Length, 442);
        var features = tensor(x, new long[] { 442, 10 });
        return new Dataset("diabetes", TaskKind.Regression, features, tensor(t), ["AGE", "SEX", "BMI", "BP", "S1", "S2", "S3", "S4", "S5", "S6"]);
    }

    /// <summary>SMS Spam Collection: 5574 raw texts, classes ham (0) and spam (1).</summary>
    public static TextDataset SmsSpam(string? path = null)
    {
        path ??= DataFiles.Locate("SMSSpamCollection.tsv");
        var texts = new List<string>();
        var labels = new List<int>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            int tab = line.IndexOf('\t');
            string label = tab < 0 ? "" : line[..tab];
            labels.Add(label switch
            {
                "ham" => 0,
                "spam" => 1,
                _ => throw new InvalidDataException($"{path}, line {lineNumber}: expected 'ham' or 'spam' then a tab, got '{Truncate(line)}'."),
            });
            texts.Add(line[(tab + 1)..]);
        }
        ExpectRows(path, texts.Count, 5574);
        return new TextDataset("sms spam", texts, labels.ToArray(), ["ham", "spam"]);
    }

    static Dataset LoadHeaderedCsv(string name, string path, string[] featureNames)
    {
        var lines = ReadLines(path);
        if (lines.Count == 0) throw new InvalidDataException($"{path} is empty.");
        var header = lines[0].Split(',');
        if (header.Length < 3 || !int.TryParse(header[0], out int n) || !int.TryParse(header[1], out int d))
            throw new InvalidDataException($"{path}, line 1: expected a header 'n_samples,n_features,class names...', got '{Truncate(lines[0])}'.");
        if (d != featureNames.Length)
            throw new InvalidDataException($"{path}: header says {d} features, {name} has {featureNames.Length}.");
        var (x, y) = ParseRows(path, lines, 1, d + 1, ',');
        ExpectRows(path, y.Length, n);
        var classes = header.Skip(2).ToArray();
        if (y.Any(c => c < 0 || c >= classes.Length))
            throw new InvalidDataException($"{path}: a label is outside 0..{classes.Length - 1}.");
        return Build(name, x, y, featureNames, classes);
    }

    static Dataset Build(string name, float[] x, long[] y, string[] featureNames, string[] classNames) =>
        new(name, TaskKind.Classification, tensor(x, new long[] { y.Length, featureNames.Length }), tensor(y), featureNames, classNames);

    /// <summary>Parses numeric rows; the last column is the class label when <paramref name="hasLabel"/>.</summary>
    static (float[] X, long[] Y) ParseRows(string path, List<string> lines, int skip, int columns, char separator, bool hasLabel = true)
    {
        int featureCount = hasLabel ? columns - 1 : columns;
        var x = new List<float>();
        var y = new List<long>();
        for (int i = skip; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            // Only runs of spaces may collapse: an empty field between commas is a missing value, not a separator.
            var parts = separator == ' '
                ? lines[i].Split(separator, StringSplitOptions.RemoveEmptyEntries)
                : lines[i].Split(separator);
            if (parts.Length != columns)
                throw new InvalidDataException($"{path}, line {i + 1}: expected {columns} values, found {parts.Length}.");
            for (int j = 0; j < featureCount; j++)
            {
                if (string.IsNullOrWhiteSpace(parts[j]))
                    throw new InvalidDataException($"{path}, line {i + 1}, column {j + 1}: the value is missing (empty field).");
                if (!float.TryParse(parts[j], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new InvalidDataException($"{path}, line {i + 1}, column {j + 1}: '{parts[j]}' is not a finite number.");
                x.Add(v);
            }
            if (hasLabel)
            {
                if (!long.TryParse(parts[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long label))
                    throw new InvalidDataException($"{path}, line {i + 1}: label '{parts[^1]}' is not an integer.");
                y.Add(label);
            }
        }
        return (x.ToArray(), y.ToArray());
    }

    static List<string> ReadLines(string path)
    {
        try
        {
            using Stream file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream);
            var lines = new List<string>();
            while (reader.ReadLine() is { } line) lines.Add(line);
            return lines;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not a valid gzip file: {e.Message}", e);
        }
    }

    static void ExpectRows(string path, int actual, int expected)
    {
        if (actual != expected)
            throw new InvalidDataException($"{path}: expected {expected} rows, found {actual}. The file may be truncated or corrupt.");
    }

    static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
