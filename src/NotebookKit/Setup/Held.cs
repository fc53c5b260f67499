using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Setup;

/// <summary>
/// Scalars that outlive the native calls that read them.
/// <para>
/// TorchSharp 0.107 turns a number into a <see cref="Scalar"/> for every tensor-number operation (<c>t * 0.5</c>,
/// <c>t &gt; 0.0</c>, <c>t.clamp_min(1e-12)</c>, <c>t.square()</c>, which is <c>pow(2)</c>) and also for every addition
/// (<c>a + b</c> is <c>a.add(b, alpha: 1)</c>), passes only its handle to libtorch, and drops the object. A garbage
/// collection on another thread can then run its finaliser, which frees the native <c>c10::Scalar</c> while libtorch is
/// still reading it: "Unknown scalar type" or "toDouble" at random. The constants here are held by a static reference
/// for the life of the process; a value computed at run time goes through <c>using var s = v.ToScalar();</c>.
/// So in kit code: <c>x * Held.Of(0.5)</c>, <c>x * x</c> instead of <c>x.square()</c>, and <c>a.Plus(b)</c>
/// instead of <c>a + b</c> (tests/NotebookKit.Tests/Setup/HeldScalarTests.cs finds the rest).
/// </para>
/// </summary>
internal static class Held
{
    const int MaxConstants = 256;
    static readonly ConcurrentDictionary<long, Scalar> constants = new(), integers = new();

    /// <summary>The alpha TorchSharp's own <c>add</c> passes: the int 1.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The float64 Scalar of a constant, made once (the same Scalar the implicit conversion makes).</summary>
    public static Scalar Of(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value); // keeps −0.0 apart from 0.0
        if (constants.TryGetValue(bits, out var held)) return held;
        if (constants.Count >= MaxConstants)
            throw new InvalidOperationException($"Held.Of is for constants, and {MaxConstants} are held already: " +
                $"make a value computed at run time ({value}) with 'using var s = v.ToScalar();'.");
        return constants.GetOrAdd(bits, _ => value.ToScalar());
    }

    /// <summary>The int64 Scalar of an integer constant (a token id, a count), made once.</summary>
    public static Scalar Of(long value)
    {
        if (integers.TryGetValue(value, out var held)) return held;
        if (integers.Count >= MaxConstants)
            throw new InvalidOperationException($"Held.Of is for constants, and {MaxConstants} integers are held already: " +
                $"make a value computed at run time ({value}) with 'using var s = v.ToScalar();'.");
        return integers.GetOrAdd(value, _ => value.ToScalar());
    }

    /// <summary>a + b, as TorchSharp's <c>+</c> computes it, with a held alpha.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a + s, as TorchSharp's <c>+</c> computes it, with a held alpha.</summary>
    public static Tensor Plus(this Tensor a, Scalar s) => a.add(s, One);

    /// <summary>a += b in place, with a held alpha.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += s in place, with a held alpha.</summary>
    public static Tensor PlusInPlace(this Tensor a, Scalar s) => a.add_(s, One);

    /// <summary>s − a, as TorchSharp's <c>s - a</c> computes it (−a + s), with a held alpha.</summary>
    public static Tensor Minus(this Scalar s, Tensor a) => a.negative().add(s, One);
}
