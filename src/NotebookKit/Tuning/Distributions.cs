using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NotebookKit.Tuning;

/// <summary>
/// The range a parameter is drawn from. Every value has an internal representation as a double (a categorical's
/// index) and numeric distributions map to the unit interval, where samplers work: log parameters through
/// <c>ln</c>, integers and stepped floats widened by half a step so that rounding gives each value an equal share.
/// </summary>
public abstract record Distribution
{
    /// <summary>Internal double for an external value (a categorical's choice becomes its index).</summary>
    public abstract double ToInternal(object value);
    /// <summary>External value (double, int or the categorical choice) for an internal double.</summary>
    public abstract object ToExternal(double internalValue);
    /// <summary>True when <paramref name="internalValue"/> is a value this distribution can produce.</summary>
    public abstract bool Contains(double internalValue);
    /// <summary>A canonical JSON form, used for storage and to compare distributions across processes.</summary>
    public abstract string ToJson();

    public static Distribution FromJson(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        string type = (string)node["type"]!;
        return type switch
        {
            "float" => new FloatDistribution((double)node["low"]!, (double)node["high"]!, (bool)node["log"]!, (double?)node["step"]),
            "int" => new IntDistribution((int)node["low"]!, (int)node["high"]!, (bool)node["log"]!, (int)node["step"]!),
            "categorical" => new CategoricalDistribution(node["choices"]!.AsArray().Select(ChoiceFromJson).ToArray()),
            _ => throw new ArgumentException($"Unknown distribution type '{type}' in stored JSON.", nameof(json)),
        };
    }

    static object? ChoiceFromJson(JsonNode? n) => n switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out bool b) => b,
        JsonValue v when v.TryGetValue(out int i) => i,
        JsonValue v when v.TryGetValue(out double d) => d,
        _ => n.ToJsonString(),
    };

    /// <summary>Only one value is possible (low == high, or one choice): trials take it without asking a sampler.</summary>
    public abstract bool IsSingle { get; }

    /// <summary>Same distribution, compared through the canonical JSON (so a stored copy equals a live one).</summary>
    public bool SameAs(Distribution other) => ToJson() == other.ToJson();

    internal static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A numeric distribution that samplers see on the unit interval.</summary>
public abstract record NumericDistribution : Distribution
{
    /// <summary>
    /// The range samplers work on: after ln for log parameters, widened by half a step for integers and stepped floats
    /// (ln(low − ½), ln(high + ½) for log integers), so that rounding gives every value an equal share.
    /// </summary>
    internal abstract (double Low, double High) SamplingRange { get; }
    internal abstract bool LogScale { get; }
    internal double ToSamplingScale(double internalValue) => LogScale ? Math.Log(internalValue) : internalValue;
    /// <summary>The nearest valid internal value for a point on the sampling scale: exp for log parameters, rounded to the grid, clamped.</summary>
    internal abstract double FromSamplingScale(double x);

    /// <summary>Maps an internal value to [0, 1] (after ln for log distributions).</summary>
    public double ToUnit(double internalValue)
    {
        var (lo, hi) = SamplingRange;
        return hi == lo ? 0.5 : (ToSamplingScale(internalValue) - lo) / (hi - lo);
    }

    /// <summary>Maps u in [0, 1] back to the nearest valid internal value (rounding to the step, clamping).</summary>
    public double FromUnit(double u)
    {
        var (lo, hi) = SamplingRange;
        return FromSamplingScale(lo + Math.Clamp(u, 0, 1) * (hi - lo));
    }
}

/// <summary>Float in [low, high]; log-uniform when <c>log</c>; on the grid low + k·step when <c>step</c> is given.</summary>
public sealed record FloatDistribution : NumericDistribution
{
    public double Low { get; }
    public double High { get; }
    public bool Log { get; }
    public double? Step { get; }

    public FloatDistribution(double low, double high, bool log = false, double? step = null)
    {
        if (double.IsNaN(low) || double.IsNaN(high) || double.IsInfinity(low) || double.IsInfinity(high))
            throw new ArgumentException($"Float range must be finite, got [{low}, {high}].");
        if (low > high) throw new ArgumentException($"Empty float range: low {low} > high {high}.");
        if (log && low <= 0) throw new ArgumentException($"A log-scale float needs low > 0, got low {low}.");
        if (log && step is not null) throw new ArgumentException("A float cannot have both log = true and a step.");
        if (step is double s)
        {
            if (!(s > 0)) throw new ArgumentException($"Step must be positive, got {s}.");
            high = low + Math.Floor((high - low) / s + 1e-9) * s; // as Optuna: the top is the last grid point
        }
        (Low, High, Log, Step) = (low, high, log, step);
    }

    public override bool IsSingle => Low == High;
    public override double ToInternal(object value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);
    public override object ToExternal(double internalValue) => internalValue;
    public override bool Contains(double v)
    {
        if (double.IsNaN(v) || v < Low - 1e-12 * Math.Abs(Low) || v > High + 1e-12 * Math.Abs(High)) return false;
        if (Step is double s) { double k = (v - Low) / s; return Math.Abs(k - Math.Round(k)) < 1e-6; }
        return true;
    }

    internal override (double Low, double High) SamplingRange =>
        Log ? (Math.Log(Low), Math.Log(High)) : (Low - (Step ?? 0) / 2, High + (Step ?? 0) / 2);
    internal override bool LogScale => Log;

    internal override double FromSamplingScale(double x)
    {
        if (Log) x = Math.Exp(x);
        if (Step is double s) x = Low + Math.Round((x - Low) / s) * s;
        return Math.Clamp(x, Low, High);
    }

    public override string ToJson() =>
        $"{{\"type\":\"float\",\"low\":{Num(Low)},\"high\":{Num(High)},\"log\":{(Log ? "true" : "false")},\"step\":{(Step is double s ? Num(s) : "null")}}}";
}

/// <summary>Integer in [low, high] on the grid low + k·step; log-uniform-ish when <c>log</c> (then step must be 1).</summary>
public sealed record IntDistribution : NumericDistribution
{
    public int Low { get; }
    public int High { get; }
    public bool Log { get; }
    public int Step { get; }

    public IntDistribution(int low, int high, bool log = false, int step = 1)
    {
        if (low > high) throw new ArgumentException($"Empty integer range: low {low} > high {high}.");
        if (log && low <= 0) throw new ArgumentException($"A log-scale integer needs low > 0, got low {low}.");
        if (step < 1) throw new ArgumentException($"Integer step must be at least 1, got {step}.");
        if (log && step != 1) throw new ArgumentException("A log-scale integer must have step 1.");
        high = low + (high - low) / step * step;
        (Low, High, Log, Step) = (low, high, log, step);
    }

    public override bool IsSingle => Low == High;
    public override double ToInternal(object value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);
    public override object ToExternal(double internalValue) => (int)Math.Round(internalValue);
    public override bool Contains(double v) =>
        !double.IsNaN(v) && v >= Low && v <= High && v == Math.Round(v) && ((long)v - Low) % Step == 0;

    internal override (double Low, double High) SamplingRange =>
        Log ? (Math.Log(Low - 0.5), Math.Log(High + 0.5)) : (Low - Step / 2.0, High + Step / 2.0);
    internal override bool LogScale => Log;

    internal override double FromSamplingScale(double x)
    {
        if (Log) x = Math.Exp(x);
        return Math.Clamp(Low + Math.Round((x - Low) / Step) * Step, Low, High);
    }

    public override string ToJson() =>
        $"{{\"type\":\"int\",\"low\":{Low},\"high\":{High},\"log\":{(Log ? "true" : "false")},\"step\":{Step}}}";
}

/// <summary>One of a fixed list of choices (strings, numbers, booleans or null); internally the index.</summary>
public sealed record CategoricalDistribution : Distribution
{
    public IReadOnlyList<object?> Choices { get; }

    public CategoricalDistribution(IEnumerable<object?> choices)
    {
        Choices = choices?.ToArray() ?? throw new ArgumentNullException(nameof(choices));
        if (Choices.Count == 0) throw new ArgumentException("A categorical parameter needs at least one choice.", nameof(choices));
        var keys = Choices.Select(Key).ToArray();
        if (keys.Distinct().Count() != keys.Length) throw new ArgumentException("Categorical choices must be distinct.", nameof(choices));
    }

    static string Key(object? c) => JsonSerializer.Serialize(c);

    public override double ToInternal(object value)
    {
        string key = Key(value);
        for (int i = 0; i < Choices.Count; i++) if (Key(Choices[i]) == key) return i;
        throw new ArgumentException($"Value {key} is not one of the choices [{string.Join(", ", Choices.Select(Key))}].");
    }

    public override bool IsSingle => Choices.Count == 1;
    public override object ToExternal(double internalValue) => Choices[(int)internalValue]!;
    public override bool Contains(double v) => v >= 0 && v < Choices.Count && v == Math.Round(v);

    public override string ToJson() =>
        $"{{\"type\":\"categorical\",\"choices\":[{string.Join(",", Choices.Select(Key))}]}}";
}
