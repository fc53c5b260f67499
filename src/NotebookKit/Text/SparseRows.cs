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

    /// <summary>Builds a row from (column, value) pairs in any order, summing repeated columns.</summary>
    internal static (int[] Indices, double[] Values) Row(Dictionary<int, double> cells)
    {
        var indices = cells.Keys.Order().ToArray();
        return (indices, indices.Select(i => cells[i]).ToArray());
    }

    public double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int r = 0; r < Rows; r++)
            for (int k = 0; k < Indices[r].Length; k++) dense[r, Indices[r][k]] = Values[r][k];
        return dense;
    }

    /// <summary>A dense float32 [rows, columns] tensor for a network's input.</summary>
    public Tensor ToTensor(Device? device = null)
    {
        var data = new float[(long)Rows * Columns];
        for (int r = 0; r < Rows; r++)
            for (int k = 0; k < Indices[r].Length; k++) data[(long)r * Columns + Indices[r][k]] = (float)Values[r][k];
        return tensor(data, [Rows, Columns], device: device);
    }

    /// <summary>Non-zero cells per column: the document frequency of each feature.</summary>
    public int[] ColumnCounts()
    {
        var counts = new int[Columns];
        foreach (var row in Indices) foreach (int c in row) counts[c]++;
        return counts;
    }
}
