namespace NotebookKit.Tuning;

/// <summary>
/// Exhaustive search over the Cartesian product of the listed values. Each trial takes a grid point no trial has
/// taken yet (its index is stored as the system attribute "grid_id", so a resumed or shared study continues where
/// it stopped); points are visited in order, or in a seeded random order. The study stops once every point ran.
/// </summary>
public sealed class GridSampler : ISampler
{
    readonly string[] names;
    readonly object?[][] values;
    readonly int[] order;

    public int GridSize => order.Length;
    public IReadOnlyList<string> ParameterNames => names;

    public GridSampler(IReadOnlyDictionary<string, IEnumerable<object?>> grid, int? shuffleSeed = null)
    {
        if (grid is null || grid.Count == 0) throw new ArgumentException("The grid needs at least one parameter.", nameof(grid));
        names = grid.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        values = names.Select(n => grid[n]?.ToArray() ?? throw new ArgumentException($"Grid values for '{n}' are null.")).ToArray();
        for (int i = 0; i < names.Length; i++)
            if (values[i].Length == 0) throw new ArgumentException($"Grid values for '{names[i]}' are empty.", nameof(grid));
        long size = values.Aggregate(1L, (p, v) => p * v.Length);
        if (size > 10_000_000) throw new ArgumentException($"The grid has {size} points; that is too many to enumerate.", nameof(grid));
        order = Enumerable.Range(0, (int)size).ToArray();
        if (shuffleSeed is int s) SeededRandom.Create(s).Shuffle(order);
    }

    /// <summary>Parameter values of grid point <paramref name="id"/> (row-major over the names in ordinal order).</summary>
    public IReadOnlyDictionary<string, object?> Point(int id)
    {
        var point = new Dictionary<string, object?>();
        for (int i = names.Length - 1; i >= 0; i--) { point[names[i]] = values[i][id % values[i].Length]; id /= values[i].Length; }
        return point;
    }

    static int? GridId(FrozenTrial t) => t.SystemAttrs.TryGetValue("grid_id", out var v) && v is not null ? Convert.ToInt32(v) : null;

    public IReadOnlyList<int> UnvisitedIds(Study study)
    {
        var taken = study.GetTrials().Where(t => t.State is TrialState.Running or TrialState.Complete or TrialState.Pruned)
            .Select(GridId).Where(i => i is not null).Select(i => i!.Value).ToHashSet();
        return order.Where(i => !taken.Contains(i)).ToArray();
    }

    public bool IsExhausted(Study study) => UnvisitedIds(study).Count == 0;

    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(Study study, FrozenTrial trial) => new Dictionary<string, Distribution>();

    public IReadOnlyDictionary<string, double> SampleRelative(Study study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> space)
    {
        if (GridId(trial) is null)
        {
            var unvisited = UnvisitedIds(study);
            // Every point taken (parallel workers raced): re-run one, as Optuna does, rather than fail.
            int id = unvisited.Count > 0 ? unvisited[0] : order[trial.Number % order.Length];
            study.SetSystemAttr(trial, "grid_id", id);
        }
        return new Dictionary<string, double>();
    }

    public double SampleIndependent(Study study, FrozenTrial trial, string name, Distribution distribution)
    {
        int i = Array.IndexOf(names, name);
        if (i < 0) throw new ArgumentException($"Parameter '{name}' is not in the grid ({string.Join(", ", names)}).", nameof(name));
        var value = Point(GridId(trial) ?? throw new InvalidOperationException("Trial has no grid point."))[name];
        double internalValue = distribution.ToInternal(value!);
        if (!distribution.Contains(internalValue))
            throw new ArgumentException($"Grid value {value} of '{name}' is outside the suggested range {distribution.ToJson()}.");
        return internalValue;
    }
}
