using static TorchSharp.torch;

namespace NotebookKit.Text;

/// <summary>
/// A documents x features matrix kept as sorted (column, value) pairs per row, as scikit-learn's CSR matrices:
/// a 5,000-word vocabulary over thousands of messages is almost all zeros.
/// </summary>
public sealed class SparseRows
{
    public int Columns { get; }
    public int[][] Indices { get; }
    public double[][] Values { get; }
    public int Rows => Indices.Length;

    public SparseRows(int columns, int[][] indices, double[][] values)
    {
        if (indices.Length != values.Length) throw new ArgumentException($"{indices.Length} index rows but {values.Length} value rows.");
        for (int r = 0; r < indices.Length; r++)
        {
            if (indices[r].Length != values[r].Length) throw new ArgumentException($"Row {r}: {indices[r].Length} indices but {values[r].Length} values.");
            for (int k = 0; k < indices[r].Length; k++)
                if (indices[r][k] < 0 || indices[r][k] >= columns || (k > 0 && indices[r][k] <= indices[r][k - 1]))
                    throw new ArgumentException($"Row {r}: column indices must be increasing and within 0..{columns - 1}.");
        }
        Columns = columns;
        Indices = indices;
        Values = values;
    }

    /// <summary>
    /// One row per document: each token adds <c>cell(token)</c>'s value at its column (tokens mapping to null are
    /// skipped), repeated columns summed, then the row normalised.
    /// </summary>
    internal static SparseRows FromTokens(IReadOnlyList<IReadOnlyList<string>> documents, int columns,
        Func<string, (int Column, double Value)?> cell, RowNorm norm = RowNorm.None)
    {
        var indices = new int[documents.Count][];
        var values = new double[documents.Count][];
        var cells = new Dictionary<int, double>();
        for (int d = 0; d < documents.Count; d++)
        {
            cells.Clear();
            foreach (var token in documents[d])
                if (cell(token) is var (column, value)) cells[column] = cells.GetValueOrDefault(column) + value;
            indices[d] = cells.Keys.Order().ToArray();
            values[d] = indices[d].Select(i => cells[i]).ToArray();
            TfidfTransformer.Normalise(values[d], norm);
        }
        return new SparseRows(columns, indices, values);
    }

    public double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int r = 0; r < Rows; r++)
            for (int k = 0; k < Indices[r].Length; k++) dense[r, Indices[r][k]] = Values[r][k];
        return dense;
    }

    /// <summary>A dense float32 [rows, columns] tensor for a network's input.</summary>
    public Tensor ToTensor(Device? device = null) => tensor(ToDenseFloats(), [Rows, Columns], device: device);

    /// <summary>The rows as dense float32 values, row-major [rows, columns].</summary>
    internal float[] ToDenseFloats()
    {
        var data = new float[(long)Rows * Columns];
        for (int r = 0; r < Rows; r++)
            for (int k = 0; k < Indices[r].Length; k++) data[(long)r * Columns + Indices[r][k]] = (float)Values[r][k];
        return data;
    }

    /// <summary>Non-zero cells per column: the document frequency of each feature.</summary>
    public int[] ColumnCounts()
    {
        var counts = new int[Columns];
        foreach (var row in Indices) foreach (int c in row) counts[c]++;
        return counts;
    }
}
