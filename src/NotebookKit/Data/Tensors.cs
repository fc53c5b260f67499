using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>
/// Tensors from index and value arrays, for notebook cells: <c>x.Rows(trainIdx)</c> picks a split's rows and
/// <c>Tensors.From(values)</c> wraps an array. Cells use these rather than <c>torch.tensor(array)</c>: resolving that
/// overload set (TorchSharp is built for .NET 8) makes the notebook kernel print warning CS1701 in every cell that
/// calls it, a warning MSBuild projects hide by default and the kernel cannot be told to hide. Introduced in 00.
/// </summary>
public static class Tensors
{
    /// <summary>A float32 tensor [n] holding <paramref name="values"/>, on <paramref name="device"/> (default CPU).</summary>
    public static Tensor From(float[] values, Device? device = null) => torch.tensor(Checked(values), device: device);

    /// <summary>A float64 tensor [n] holding <paramref name="values"/>, on <paramref name="device"/> (default CPU).</summary>
    public static Tensor From(double[] values, Device? device = null) => torch.tensor(Checked(values), device: device);

    /// <summary>An int64 tensor [n] holding <paramref name="values"/> (class indices, row numbers), on <paramref name="device"/>.</summary>
    public static Tensor From(long[] values, Device? device = null) => torch.tensor(Checked(values), device: device);

    /// <summary>The rows of <paramref name="x"/> at <paramref name="rows"/>, in that order: a split's examples or labels.</summary>
    public static Tensor Rows(this Tensor x, long[] rows) => Select(x, 0, rows, "row");

    /// <summary>The columns of a 2-D <paramref name="x"/> at <paramref name="columns"/>, in that order: chosen features.</summary>
    public static Tensor Columns(this Tensor x, long[] columns)
    {
        if (x.dim() != 2) throw new ArgumentException($"Columns needs a 2-D tensor, got shape [{string.Join(", ", x.shape)}].", nameof(x));
        return Select(x, 1, columns, "column");
    }

    static Tensor Select(Tensor x, int dim, long[] indices, string what)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        if (x.dim() == 0) throw new ArgumentException($"A scalar tensor has no {what}s.", nameof(x));
        long count = x.shape[dim];
        foreach (var i in indices)
            if (i < 0 || i >= count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"{what} {i} is outside 0..{count - 1} (the tensor has {count} {what}s).");
        using var index = torch.tensor(indices, device: x.device);
        return x.index_select(dim, index);
    }

    static T[] Checked<T>(T[] values) => values ?? throw new ArgumentNullException(nameof(values));
}
