using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>
/// Random shifts and small rotations of square images (8x8 digits) as a data transform (introduced in
/// 02-cross-validation-and-fitting). Each image gets its own angle in [-maxDegrees, maxDegrees] and shift in
/// [-maxShift, maxShift] pixels per axis, applied by bilinear resampling with zero padding. Labels do not change,
/// so use it on training rows only.
/// </summary>
public sealed class DigitAugmentation(double maxShift = 1, double maxDegrees = 10, int seed = 0)
{
    readonly Generator generator = new((ulong)seed);

    /// <param name="images">[n, side*side] flat rows or [n, 1, side, side].</param>
    /// <returns>Augmented images in the same shape.</returns>
    public Tensor Apply(Tensor images)
    {
        if (maxShift < 0 || maxDegrees < 0) throw new ArgumentOutOfRangeException(nameof(maxShift), "Shift and angle limits must be non-negative.");
        bool flat = images.dim() == 2;
        long n = images.shape[0];
        long side = flat ? (long)Math.Round(Math.Sqrt(images.shape[1])) : images.shape[^1];
        if (flat ? side * side != images.shape[1] : images.dim() != 4 || images.shape[2] != images.shape[3])
            throw new ArgumentException($"Expected square images as [n, side*side] or [n, c, side, side], got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        var x = flat ? images.reshape(n, 1, side, side) : images;
        var type = ScalarType.Float32;
        var angle = (rand(n, generator: generator, dtype: type) * 2 - 1) * (maxDegrees * Math.PI / 180);
        // affine_grid works in [-1, 1] coordinates: one pixel is 2 / side.
        var shift = (rand(new long[] { n, 2 }, generator: generator, dtype: type) * 2 - 1) * (maxShift * 2.0 / side);
        var cos = angle.cos(); var sin = angle.sin();
        var theta = stack([cos, -sin, shift[TensorIndex.Colon, 0], sin, cos, shift[TensorIndex.Colon, 1]], 1).reshape(n, 2, 3).to(x.device);
        var grid = nn.functional.affine_grid(theta, [n, x.shape[1], side, side], align_corners: false);
        var output = nn.functional.grid_sample(x.to_type(type), grid, align_corners: false).to_type(images.dtype);
        return (flat ? output.reshape(n, side * side) : output).MoveToOuterDisposeScope();
    }

    /// <summary>The original rows followed by <paramref name="copies"/> augmented copies, with labels repeated.</summary>
    public (Tensor X, Tensor Y) Expand(Tensor images, Tensor labels, int copies = 1)
    {
        if (copies < 0) throw new ArgumentOutOfRangeException(nameof(copies), "copies must be non-negative.");
        var xs = new List<Tensor> { images };
        for (int c = 0; c < copies; c++) xs.Add(Apply(images));
        return (cat(xs, 0), cat(Enumerable.Repeat(labels, copies + 1).ToList(), 0));
    }
}
