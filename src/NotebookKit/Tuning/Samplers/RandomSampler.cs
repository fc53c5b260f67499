namespace NotebookKit.Tuning;

/// <summary>
/// Independent uniform sampling (log-uniform for log parameters), seeded. Each value is drawn on the unit
/// interval and mapped through the distribution, so every integer or step value gets an equal share. Seeds pass
/// through <see cref="SeededRandom"/>, so consecutive seeds give unrelated streams.
/// </summary>
public sealed class RandomSampler : ISampler
{
    readonly Random random;

    public RandomSampler(int? seed = null) : this(SeededRandom.Create(seed)) { }

    /// <summary>Draws from <paramref name="random"/>: other samplers' fallback, on a stream of their own.</summary>
    internal RandomSampler(Random random) => this.random = random;

    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(Study study, FrozenTrial trial) => new Dictionary<string, Distribution>();
    public IReadOnlyDictionary<string, double> SampleRelative(Study study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> space) => new Dictionary<string, double>();

    public double SampleIndependent(Study study, FrozenTrial trial, string name, Distribution distribution) => Sample(distribution, random);

    internal static double Sample(Distribution distribution, Random random) => distribution switch
    {
        NumericDistribution n => n.FromUnit(random.NextDouble()),
        CategoricalDistribution c => random.Next(c.Choices.Count),
        _ => throw new ArgumentException($"Unsupported distribution {distribution}."),
    };
}
