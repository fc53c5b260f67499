namespace NotebookKit.Tuning;

/// <summary>
/// The one place where samplers turn a seed into a <see cref="Random"/>. .NET's <c>new Random(seed)</c> (Knuth's
/// subtractive generator) fills its state by a nearly linear map of the seed, so consecutive seeds give correlated
/// streams: their first draws step almost evenly through [0, 1). Here the seed and a stream number (one sampler's
/// independent streams, e.g. its startup draws and its candidates) pass through SplitMix64's finaliser first, so
/// seeds 0, 1, 2, ... give unrelated streams and still reproduce. No seed: an unseeded <see cref="Random"/>.
/// </summary>
public static class SeededRandom
{
    public static Random Create(int? seed, int stream = 0) => seed is int s ? new Random(Mix(s, stream)) : new Random();

    /// <summary>A seed in [0, 2³¹) for <c>new Random(int)</c>, unrelated for neighbouring seeds or streams.</summary>
    public static int Mix(int seed, int stream = 0) => (int)(SplitMix64((ulong)(uint)seed << 32 | (uint)stream) >> 33);

    /// <summary>SplitMix64's output function (Steele, Lea and Flood 2014) applied to x + the golden-ratio increment.</summary>
    public static ulong SplitMix64(ulong x)
    {
        ulong z = x + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A standard normal draw (Box-Muller), from two uniform draws of <paramref name="random"/>.</summary>
    public static double NextGaussian(this Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
