namespace NotebookKit.Tuning;

/// <summary>
/// Maps a search space to the unit cube for model-based samplers: one column per numeric parameter (through
/// <see cref="NumericDistribution.ToUnit"/>, so log parameters are log-transformed), one-hot columns per categorical.
/// </summary>
public sealed class SpaceEncoding
{
    readonly string[] names;
    readonly Distribution[] distributions;
    readonly int[] offsets;

    public int Dimensions { get; }
    /// <summary>True for columns of numeric parameters (free to move in local search); false for one-hot columns.</summary>
    public bool[] Continuous { get; }
    public IReadOnlyList<string> Names => names;

    public SpaceEncoding(IReadOnlyDictionary<string, Distribution> space)
    {
        names = space.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        distributions = names.Select(n => space[n]).ToArray();
        offsets = new int[names.Length];
        var continuous = new List<bool>();
        for (int i = 0; i < names.Length; i++)
        {
            offsets[i] = continuous.Count;
            if (distributions[i] is CategoricalDistribution c) continuous.AddRange(Enumerable.Repeat(false, c.Choices.Count));
            else continuous.Add(true);
        }
        Continuous = continuous.ToArray();
        Dimensions = Continuous.Length;
    }

    public bool Covers(FrozenTrial t) => names.All(n => t.InternalParams.ContainsKey(n));

    public double[] Encode(IReadOnlyDictionary<string, double> internalParams)
    {
        var u = new double[Dimensions];
        for (int i = 0; i < names.Length; i++)
        {
            double v = internalParams[names[i]];
            if (distributions[i] is NumericDistribution n) u[offsets[i]] = n.ToUnit(v);
            else u[offsets[i] + (int)v] = 1;
        }
        return u;
    }

    public Dictionary<string, double> Decode(double[] u)
    {
        var result = new Dictionary<string, double>();
        for (int i = 0; i < names.Length; i++)
            result[names[i]] = distributions[i] switch
            {
                NumericDistribution n => n.FromUnit(u[offsets[i]]),
                CategoricalDistribution c => ArgMax(u, offsets[i], c.Choices.Count),
                _ => throw new InvalidOperationException(),
            };
        return result;
    }

    /// <summary>The encoding of the valid point nearest to <paramref name="u"/> (integers and steps rounded, one-hot argmax).</summary>
    public double[] Snap(double[] u) => Encode(Decode(u));

    /// <summary>A point with numeric columns from <paramref name="unit"/> and each categorical set to a random choice.</summary>
    public double[] FromUnitSample(double[] unit, Random random)
    {
        var u = (double[])unit.Clone();
        for (int i = 0; i < names.Length; i++)
            if (distributions[i] is CategoricalDistribution c)
            {
                int pick = random.Next(c.Choices.Count);
                for (int k = 0; k < c.Choices.Count; k++) u[offsets[i] + k] = k == pick ? 1 : 0;
            }
        return u;
    }

    static int ArgMax(double[] u, int offset, int count)
    {
        int best = 0;
        for (int k = 1; k < count; k++) if (u[offset + k] > u[offset + best]) best = k;
        return best;
    }
}
