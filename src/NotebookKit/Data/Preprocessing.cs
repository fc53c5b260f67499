using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>
/// A preprocessing step learnt from training rows only (Fit), then applied to any rows (Transform).
/// <see cref="CrossValidation"/> fits a fresh one inside each fold, so no test information leaks into training.
/// </summary>
public interface ITensorTransform
{
    ITensorTransform Fit(Tensor x);
    Tensor Transform(Tensor x);
}

static class TransformCheck
{
    public static void FitInput(Tensor x, string who)
    {
        if (x.dim() != 2 || x.shape[0] == 0)
            throw new ArgumentException($"{who}.Fit needs a non-empty 2-D tensor, got shape [{string.Join(", ", x.shape)}].", nameof(x));
    }

    public static void TransformInput(Tensor x, Tensor? learnt, string who)
    {
        if (learnt is null) throw new InvalidOperationException($"Call {who}.Fit on the training rows before Transform.");
        if (x.dim() != 2 || x.shape[1] != learnt.shape[0])
            throw new ArgumentException($"{who}.Transform expects [n, {learnt.shape[0]}], got [{string.Join(", ", x.shape)}].", nameof(x));
    }

    /// <summary>Scale with zeros replaced by 1, so constant columns pass through unscaled (as scikit-learn).</summary>
    public static Tensor SafeScale(Tensor scale) => where(scale.eq(0), ones_like(scale), scale);
}

/// <summary>Min-max scaling to [0, 1]: z = (x - min) / (max - min), min and max per column from the training rows.</summary>
public sealed class MinMaxScaler : ITensorTransform
{
    public Tensor? Min { get; private set; }
    public Tensor? Range { get; private set; }

    public MinMaxScaler Fit(Tensor x)
    {
        TransformCheck.FitInput(x, nameof(MinMaxScaler));
        using var _ = no_grad();
        Min?.Dispose(); Range?.Dispose();
        using var scope = NewDisposeScope();
        var min = x.amin([0]);
        Min = min.detach().clone().MoveToOuterDisposeScope();
        Range = TransformCheck.SafeScale(x.amax([0]) - min).detach().MoveToOuterDisposeScope();
        Min.DetachFromDisposeScope(); Range.DetachFromDisposeScope();
        return this;
    }

    public Tensor Transform(Tensor x)
    {
        TransformCheck.TransformInput(x, Min, nameof(MinMaxScaler));
        return (x - Min!.to(x.device)) / Range!.to(x.device);
    }

    ITensorTransform ITensorTransform.Fit(Tensor x) => Fit(x);
}

/// <summary>
/// Robust scaling: z = (x - median) / IQR, with the median and the 25th-75th percentile range per column from the
/// training rows (linear interpolation between order statistics, as numpy and scikit-learn). Outliers barely move it.
/// </summary>
public sealed class RobustScaler : ITensorTransform
{
    public Tensor? Median { get; private set; }
    public Tensor? Iqr { get; private set; }

    public RobustScaler Fit(Tensor x)
    {
        TransformCheck.FitInput(x, nameof(RobustScaler));
        using var _ = no_grad();
        Median?.Dispose(); Iqr?.Dispose();
        using var scope = NewDisposeScope();
        var x64 = x.to_type(ScalarType.Float64);
        var q = quantile(x64, tensor(new[] { 0.25, 0.5, 0.75 }, dtype: ScalarType.Float64, device: x.device), dim: 0);
        Median = q[1].to_type(x.dtype).MoveToOuterDisposeScope();
        Iqr = TransformCheck.SafeScale(q[2] - q[0]).to_type(x.dtype).MoveToOuterDisposeScope();
        Median.DetachFromDisposeScope(); Iqr.DetachFromDisposeScope();
        return this;
    }

    public Tensor Transform(Tensor x)
    {
        TransformCheck.TransformInput(x, Median, nameof(RobustScaler));
        return (x - Median!.to(x.device)) / Iqr!.to(x.device);
    }

    ITensorTransform ITensorTransform.Fit(Tensor x) => Fit(x);
}

/// <summary>
/// One-hot encoding of integer-valued columns: each column with categories c_1 &lt; ... &lt; c_k (learnt from the
/// training rows) becomes k indicator columns, in column order. An unseen category is an error, as scikit-learn's
/// default (handle_unknown="error").
/// </summary>
public sealed class OneHotEncoder
{
    public IReadOnlyList<long[]>? Categories { get; private set; }
    public int OutputWidth => Categories?.Sum(c => c.Length) ?? 0;

    /// <param name="x">[n] or [n, d] integer-valued (any numeric dtype).</param>
    public OneHotEncoder Fit(Tensor x)
    {
        var columns = Columns(x);
        if (columns[0].Length == 0) throw new ArgumentException("OneHotEncoder.Fit needs at least one row.", nameof(x));
        Categories = columns.Select(c => c.Distinct().Order().ToArray()).ToArray();
        return this;
    }

    public Tensor Transform(Tensor x)
    {
        if (Categories is null) throw new InvalidOperationException("Call OneHotEncoder.Fit on the training rows before Transform.");
        var columns = Columns(x);
        if (columns.Length != Categories.Count)
            throw new ArgumentException($"OneHotEncoder was fitted on {Categories.Count} columns, got {columns.Length}.", nameof(x));
        int n = columns[0].Length, width = OutputWidth;
        var output = new float[n * width];
        int offset = 0;
        for (int j = 0; j < columns.Length; j++)
        {
            var position = Categories[j].Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
            for (int r = 0; r < n; r++)
            {
                if (!position.TryGetValue(columns[j][r], out var k))
                    throw new ArgumentException($"Column {j} has category {columns[j][r]} that was not seen in Fit (known: {string.Join(", ", Categories[j])}).", nameof(x));
                output[r * width + offset + k] = 1;
            }
            offset += Categories[j].Length;
        }
        return tensor(output, [n, width]).to(x.device);
    }

    public Tensor FitTransform(Tensor x) => Fit(x).Transform(x);

    static long[][] Columns(Tensor x)
    {
        if (x.dim() is not (1 or 2)) throw new ArgumentException($"OneHotEncoder takes [n] or [n, d], got [{string.Join(", ", x.shape)}].", nameof(x));
        var m = (x.dim() == 1 ? x.unsqueeze(1) : x).cpu().to_type(ScalarType.Float64).contiguous();
        int n = (int)m.shape[0], d = (int)m.shape[1];
        var flat = m.data<double>().ToArray();
        if (flat.Any(v => v != Math.Floor(v) || double.IsNaN(v)))
            throw new ArgumentException("OneHotEncoder takes integer-valued categories; found a fractional or NaN value.", nameof(x));
        return Enumerable.Range(0, d).Select(j => Enumerable.Range(0, n).Select(r => (long)flat[r * d + j]).ToArray()).ToArray();
    }
}
