using static TorchSharp.torch;

namespace NotebookKit.Training;

/// <summary>
/// Least-squares polynomial regression on one feature (introduced in 02-cross-validation-and-fitting): the model
/// ŷ = Σ_{d=0..degree} w_d x^d, with w solving min ‖X w - y‖² in closed form (numpy.polyfit without weights).
/// Capacity grows with <see cref="Degree"/>, which makes it the textbook case for under- and overfitting.
/// </summary>
public sealed class PolynomialRegression : ISupervisedModel, IDisposable
{
    Tensor? weights;

    public PolynomialRegression(int degree) =>
        Degree = degree >= 0 ? degree : throw new ArgumentOutOfRangeException(nameof(degree), $"degree must be >= 0, got {degree}.");

    public int Degree { get; }

    /// <summary>The fitted coefficients w_0 .. w_degree (constant term first).</summary>
    public double[] Coefficients => weights is null ? throw new InvalidOperationException("Call Fit before reading Coefficients.")
        : weights.cpu().to_type(ScalarType.Float64).data<double>().ToArray();

    public void Fit(Tensor x, Tensor y)
    {
        var targets = y.dim() == 1 ? y : y.dim() == 2 && y.shape[1] == 1 ? y.reshape(-1)
            : throw new ArgumentException($"y must be [n] or [n, 1], got [{string.Join(", ", y.shape)}].", nameof(y));
        if (targets.shape[0] != x.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {targets.shape[0]}.", nameof(y));
        if (x.shape[0] <= Degree)
            throw new ArgumentException($"A degree-{Degree} polynomial needs more than {Degree} rows, got {x.shape[0]}.", nameof(x));
        weights?.Dispose();
        using var scope = NewDisposeScope();
        var design = Powers(x);
        weights = linalg.lstsq(design, targets.to_type(design.dtype).unsqueeze(1)).Solution.squeeze(1)
            .MoveToOuterDisposeScope().DetachFromDisposeScope();
    }

    public Tensor Predict(Tensor x)
    {
        if (weights is null) throw new InvalidOperationException("Call Fit before Predict.");
        using var scope = NewDisposeScope();
        return Powers(x).matmul(weights.to(x.device)).MoveToOuterDisposeScope();
    }

    /// <summary>The design matrix [1, x, x², ..., x^degree] in float64, from x as [n] or [n, 1].</summary>
    Tensor Powers(Tensor x)
    {
        var column = x.dim() == 1 ? x : x.dim() == 2 && x.shape[1] == 1 ? x.reshape(-1)
            : throw new ArgumentException($"x must be one feature, [n] or [n, 1], got [{string.Join(", ", x.shape)}].", nameof(x));
        var x64 = column.to_type(ScalarType.Float64);
        return stack(Enumerable.Range(0, Degree + 1).Select(d => x64.pow(d)).ToArray(), 1);
    }

    public void Dispose() { weights?.Dispose(); weights = null; }
}
