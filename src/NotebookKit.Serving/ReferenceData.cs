using System.Globalization;

namespace NotebookKit.Serving;

/// <summary>
/// Reference rows for drift monitoring as a CSV file: a header naming the features, then one row per training
/// input, numbers in invariant culture. Columns may come in any order and extra ones (a label, an id) are ignored,
/// so a training-set export works as it is. The server's <c>--reference</c> option reads it.
/// </summary>
public static class ReferenceData
{
    /// <summary>Fewer rows than this cannot fill the drift monitor's 10 equal-count bins.</summary>
    public const int MinimumRows = 10;

    /// <summary>Reads the rows, each as the model's features in <paramref name="features"/> order.</summary>
    /// <exception cref="InvalidDataException">A missing or repeated feature column, a short or long line, or a value that is not a finite float, named by line and column.</exception>
    public static IReadOnlyList<float[]> LoadCsv(string path, IReadOnlyList<string> features)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty; it needs a header naming the features.");
        var columns = Split(header);
        var index = new int[features.Count];
        for (int j = 0; j < features.Count; j++)
        {
            var at = Enumerable.Range(0, columns.Length).Where(c => columns[c] == features[j]).ToArray();
            if (at.Length != 1)
                throw new InvalidDataException($"{path}: the header {(at.Length == 0 ? "lacks" : "repeats")} the feature column '{features[j]}'.");
            index[j] = at[0];
        }
        var rows = new List<float[]>();
        int lineNumber = 1;
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var cells = Split(line);
            if (cells.Length != columns.Length)
                throw new InvalidDataException($"{path} line {lineNumber}: {cells.Length} values, but the header has {columns.Length} columns.");
            var row = new float[features.Count];
            for (int j = 0; j < features.Count; j++)
            {
                var cell = cells[index[j]];
                if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]) || !float.IsFinite(row[j]))
                    throw new InvalidDataException($"{path} line {lineNumber}, column '{features[j]}': '{cell}' is not a finite number.");
            }
            rows.Add(row);
        }
        if (rows.Count < MinimumRows)
            throw new InvalidDataException($"{path} holds {rows.Count} rows; drift monitoring needs at least {MinimumRows}.");
        return rows;
    }

    /// <summary>Writes rows (features in <paramref name="features"/> order) in the format <see cref="LoadCsv"/> reads.</summary>
    public static void SaveCsv(string path, IReadOnlyList<string> features, IEnumerable<float[]> rows)
    {
        if (features.Any(f => f.Contains(',') || f.Contains('"')))
            throw new ArgumentException("Feature names with commas or quotes cannot be written as a plain CSV header.", nameof(features));
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(',', features));
        foreach (var row in rows)
        {
            if (row.Length != features.Count) throw new ArgumentException($"A row has {row.Length} values for {features.Count} features.", nameof(rows));
            writer.WriteLine(string.Join(',', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
    }

    static string[] Split(string line) => [.. line.Split(',').Select(c => c.Trim().Trim('"'))];
}
