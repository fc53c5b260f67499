namespace NotebookKit.Tuning;

/// <summary>
/// Proposes parameter values (Optuna's sampler role). A sampler may sample jointly ("relative") over the space
/// every completed trial shared, when a trial starts; any parameter outside that space is sampled on its own
/// ("independent") when the objective first asks for it. Study serialises calls, so samplers need no locks.
/// </summary>
public interface ISampler
{
    /// <summary>The space to sample jointly, usually <see cref="SearchSpace.Intersection"/> of completed trials; empty for none.</summary>
    IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(Study study, FrozenTrial trial);
    /// <summary>Internal values for (some of) the relative space's parameters.</summary>
    IReadOnlyDictionary<string, double> SampleRelative(Study study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> space);
    /// <summary>An internal value for one parameter.</summary>
    double SampleIndependent(Study study, FrozenTrial trial, string name, Distribution distribution);
}

public static class SearchSpace
{
    /// <summary>
    /// Parameters with the same distribution in every completed trial (and pruned one, if asked), in name order;
    /// parameters with a single possible value are left out, as there is nothing to sample.
    /// </summary>
    public static IReadOnlyDictionary<string, Distribution> Intersection(IEnumerable<FrozenTrial> trials, bool includePruned = false)
    {
        Dictionary<string, Distribution>? space = null;
        foreach (var t in trials.Where(t => t.State == TrialState.Complete || (includePruned && t.State == TrialState.Pruned)))
        {
            if (space is null) { space = new(t.Distributions); continue; }
            foreach (var name in space.Keys.ToArray())
                if (!t.Distributions.TryGetValue(name, out var d) || !d.SameAs(space[name])) space.Remove(name);
        }
        return new SortedDictionary<string, Distribution>((space ?? new()).Where(p => !p.Value.IsSingle).ToDictionary(), StringComparer.Ordinal);
    }
}
