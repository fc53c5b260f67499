namespace NotebookKit.Tuning;

/// <summary>
/// Independent uniform sampling (log-uniform for log parameters), seeded. Each value is drawn on the unit
/// interval and mapped through the distribution, so every integer or step value gets an equal share.
/// </summary>
public sealed class RandomSampler(int? seed = null) : ISampler
{
    readonly Random random = seed is int s ? new Random(s) : new Random();

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
