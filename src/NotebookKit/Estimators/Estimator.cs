using System.Reflection;
using NotebookKit.Data;
using NotebookKit.Setup;
using static TorchSharp.torch;

namespace NotebookKit.Estimators;

/// <summary>
/// A scikit-learn-style classifier (introduced in 04-grid-search): hyper-parameters are settable properties,
/// <see cref="Fit"/> learns from features [n, d] and class labels [n] (0 .. classes-1) and starts from scratch each
/// time, <see cref="Predict"/> returns labels and <see cref="PredictProba"/> class probabilities [n, classes].
/// The searches clone an estimator, set one candidate's parameters and fit it on each fold.
/// </summary>
public interface IEstimator
{
    IEstimator Fit(Tensor x, Tensor y);
    Tensor Predict(Tensor x);
    Tensor PredictProba(Tensor x);
    /// <summary>Mean accuracy on (x, y), as scikit-learn's ClassifierMixin.score.</summary>
    double Score(Tensor x, Tensor y);
    IReadOnlyDictionary<string, object?> GetParams();
    /// <summary>Sets hyper-parameters by name (case and underscores ignored: "max_iter" sets MaxIter).</summary>
    IEstimator SetParams(IReadOnlyDictionary<string, object?> parameters);
    /// <summary>A fresh, unfitted estimator with the same hyper-parameters (scikit-learn's clone).</summary>
    IEstimator Clone();
}

/// <summary>Marks a property as a hyper-parameter that GetParams, SetParams and Clone see.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HyperParameterAttribute : Attribute;

/// <summary>
/// Base of the kit's classifiers: hyper-parameter reflection, input checks, and standardisation. With
/// <see cref="Standardize"/> (the default) Fit learns a <see cref="StandardScaler"/> from its own rows, which is
/// scikit-learn's <c>make_pipeline(StandardScaler(), model)</c>: inside a search every fold scales with its own
/// training statistics, so nothing leaks from the validation rows.
/// </summary>
public abstract class Classifier : IEstimator, IDisposable
{
    StandardScaler? scaler;

    /// <summary>Standardise features with statistics of the training rows (a scaler inside the model).</summary>
    [HyperParameter] public bool Standardize { get; set; } = true;

    /// <summary>Number of classes seen by the last Fit (labels 0 .. Classes-1).</summary>
    public int Classes { get; private set; }
    public bool IsFitted => Classes > 0;

    public IEstimator Fit(Tensor x, Tensor y)
    {
        CheckFeatures(x, nameof(x));
        if (y.dim() != 1 || y.dtype != ScalarType.Int64)
            throw new ArgumentException($"y must be class labels: a 1-D int64 tensor, got {y.dtype} [{string.Join(", ", y.shape)}].", nameof(y));
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        long low = y.min().item<long>(), high = y.max().item<long>();
        if (low < 0) throw new ArgumentException($"Class labels must be 0 .. classes-1; found {low}.", nameof(y));
        if (high < 1) throw new ArgumentException("Fit needs at least two classes; y holds only class 0.", nameof(y));
        DisposeScaler();
        scaler = Standardize ? new StandardScaler().Fit(x) : null;
        Classes = (int)high + 1;
        // No dispose scope around FitCore: a network built inside it must outlive the call.
        var features = Prepare(x);
        var labels = y.to(Kit.Device);
        try { FitCore(features, labels, Classes); }
        finally
        {
            if (!ReferenceEquals(features, x)) features.Dispose();
            if (!ReferenceEquals(labels, y)) labels.Dispose();
        }
        return this;
    }

    /// <summary>Trains on prepared (scaled, on Kit.Device) features; frees its own temporaries.</summary>
    protected abstract void FitCore(Tensor x, Tensor y, int classes);

    /// <summary>Class probabilities [n, classes] for prepared features, under no_grad.</summary>
    protected abstract Tensor ProbaCore(Tensor x);

    public Tensor PredictProba(Tensor x)
    {
        if (!IsFitted) throw new InvalidOperationException($"Call Fit before predicting with {GetType().Name}.");
        CheckFeatures(x, nameof(x));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return ProbaCore(Prepare(x)).MoveToOuterDisposeScope();
    }

    public Tensor Predict(Tensor x)
    {
        using var scope = NewDisposeScope();
        return PredictProba(x).argmax(1).MoveToOuterDisposeScope();
    }

    public double Score(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var predicted = Predict(x);
        if (predicted.shape[0] != y.shape[0]) throw new ArgumentException($"{predicted.shape[0]} rows in x but {y.shape[0]} labels.", nameof(y));
        return predicted.eq(y.to(predicted.device)).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Features as the model sees them: standardised with the training statistics (if Standardize), on Kit.Device.</summary>
    protected Tensor Transform(Tensor x)
    {
        CheckFeatures(x, nameof(x));
        return Prepare(x);
    }

    Tensor Prepare(Tensor x)
    {
        var features = scaler is null ? x : scaler.Transform(x);
        return features.to(Kit.Device);
    }

    void CheckFeatures(Tensor x, string name)
    {
        if (x.dim() != 2) throw new ArgumentException($"x must be a 2-D tensor [rows, features], got {x.dim()}-D.", name);
        if (!x.is_floating_point()) throw new ArgumentException($"x must hold floating-point features, got {x.dtype}.", name);
        if (x.shape[0] == 0) throw new ArgumentException("x has no rows.", name);
    }

    IEnumerable<PropertyInfo> HyperParameters() => GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.IsDefined(typeof(HyperParameterAttribute)) && p.CanWrite).OrderBy(p => p.Name, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, object?> GetParams() => HyperParameters().ToDictionary(p => p.Name, p => p.GetValue(this));

    public IEstimator SetParams(IReadOnlyDictionary<string, object?> parameters)
    {
        var known = HyperParameters().ToArray();
        foreach (var (name, value) in parameters)
        {
            var property = known.FirstOrDefault(p => Normal(p.Name) == Normal(name)) ?? throw new ArgumentException(
                $"{GetType().Name} has no hyper-parameter '{name}'; it has {string.Join(", ", known.Select(p => p.Name))}.", nameof(parameters));
            property.SetValue(this, Convert(value, property.PropertyType, name));
        }
        return this;
    }

    public IEstimator Clone() => ((Classifier)Activator.CreateInstance(GetType())!).SetParams(GetParams());

    static string Normal(string name) => name.Replace("_", "").ToLowerInvariant();

    /// <summary>Grid values arrive boxed as written (1 for 1.0, 16 for [16]); convert them without losing information.</summary>
    static object? Convert(object? value, Type type, string name)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            return value switch
            {
                null when !target.IsValueType || target != type => null,
                _ when value is not null && target.IsInstanceOfType(value) => value,
                int or long or float or double when target == typeof(double) => System.Convert.ToDouble(value),
                int or long when target == typeof(int) => System.Convert.ToInt32(value),
                double d when target == typeof(int) && d == Math.Floor(d) => (int)d,
                int i when target == typeof(int[]) => new[] { i },
                IEnumerable<int> list when target == typeof(int[]) => list.ToArray(),
                _ => throw new InvalidCastException(),
            };
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"Hyper-parameter '{name}' needs a {target.Name}, got {value ?? "null"} ({value?.GetType().Name ?? "null"}).", nameof(value));
        }
    }

    void DisposeScaler()
    {
        scaler?.Mean?.Dispose();
        scaler?.Std?.Dispose();
    }

    public virtual void Dispose()
    {
        DisposeScaler();
        GC.SuppressFinalize(this);
    }
}
