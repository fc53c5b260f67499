namespace NotebookKit.Data;

/// <summary>
/// A cross-validation splitter: yields (train, test) row-index pairs for <c>n</c> samples, as scikit-learn's
/// splitters do. Labels are needed by stratified splitters, groups by group splitters; others ignore them.
/// Indices in each part are ascending (scikit-learn's order), so results do not depend on enumeration order.
/// </summary>
public interface ICrossValidator
{
    /// <summary>Number of (train, test) pairs <see cref="Split"/> yields.</summary>
    int SplitCount { get; }

    IEnumerable<(long[] Train, long[] Test)> Split(int n, int[]? labels = null, int[]? groups = null);
}

/// <summary>
/// K consecutive folds (scikit-learn KFold): the first n % k folds have n / k + 1 rows, the others n / k; each fold
/// is the test set once. With <c>shuffle</c>, rows are permuted (seeded) before cutting the folds.
/// </summary>
public sealed class KFold(int folds = 5, bool shuffle = false, int seed = 0) : ICrossValidator
{
    public int Folds { get; } = folds >= 2 ? folds : throw new ArgumentOutOfRangeException(nameof(folds), $"KFold needs at least 2 folds, got {folds}.");
    public int SplitCount => Folds;

    public IEnumerable<(long[] Train, long[] Test)> Split(int n, int[]? labels = null, int[]? groups = null)
    {
        CvCheck.Count(n, Folds);
        var order = Enumerable.Range(0, n).ToArray();
        if (shuffle) CvCheck.Shuffle(order, new Random(seed));
        int start = 0;
        for (int f = 0; f < Folds; f++)
        {
            int size = n / Folds + (f < n % Folds ? 1 : 0);
            var inTest = new bool[n];
            for (int i = start; i < start + size; i++) inTest[order[i]] = true;
            start += size;
            yield return CvCheck.Pair(inTest);
        }
    }
}

/// <summary>
/// Stratified k folds (scikit-learn 1.2 StratifiedKFold): each class is dealt across the folds so every fold holds
/// about 1/k of each class. Classes are taken in order of first appearance; the rows of the sorted label vector
/// are dealt round-robin (row i to fold i mod k) to fix per-fold class counts; then, per class, fold numbers are
/// assigned to that class's rows in index order (or in a seeded random order with <c>shuffle</c>).
/// </summary>
public sealed class StratifiedKFold(int folds = 5, bool shuffle = false, int seed = 0) : ICrossValidator
{
    public int Folds { get; } = folds >= 2 ? folds : throw new ArgumentOutOfRangeException(nameof(folds), $"StratifiedKFold needs at least 2 folds, got {folds}.");
    public int SplitCount => Folds;

    public IEnumerable<(long[] Train, long[] Test)> Split(int n, int[]? labels = null, int[]? groups = null) =>
        Assign(n, labels, new Random(seed)).ToArray() is var testFold
            ? Enumerable.Range(0, Folds).Select(f => CvCheck.Pair(testFold.Select(t => t == f).ToArray()))
            : throw new InvalidOperationException();

    internal int[] Assign(int n, int[]? labels, Random random)
    {
        CvCheck.Count(n, Folds);
        if (labels is null)
            throw new ArgumentException("StratifiedKFold needs class labels: y must be 1-D integer classes (or whole-number floats); " +
                "continuous targets cannot be stratified (use KFold).", nameof(labels));
        if (labels.Length != n) throw new ArgumentException($"labels has {labels.Length} entries for {n} samples.", nameof(labels));
        // Encode classes by first appearance, as scikit-learn does.
        var code = new Dictionary<int, int>();
        var encoded = labels.Select(l => code.TryGetValue(l, out var c) ? c : code[l] = code.Count).ToArray();
        int classes = code.Count;
        var counts = new int[classes];
        foreach (var c in encoded) counts[c]++;
        if (counts.All(c => c < Folds))
            throw new ArgumentException($"StratifiedKFold with {Folds} folds needs at least one class with {Folds} members; the largest has {counts.Max()}.", nameof(labels));
        if (counts.Min() < Folds)
            Setup.Warnings.Issue($"StratifiedKFold: the least populated class has only {counts.Min()} members, fewer than {Folds} folds, " +
                "so some test folds hold none of it.");
        var sorted = encoded.Order().ToArray();
        var allocation = new int[Folds, classes];
        for (int i = 0; i < n; i++) allocation[i % Folds, sorted[i]]++;
        var testFold = new int[n];
        for (int k = 0; k < classes; k++)
        {
            var foldsForClass = new List<int>();
            for (int f = 0; f < Folds; f++) foldsForClass.AddRange(Enumerable.Repeat(f, allocation[f, k]));
            var assigned = foldsForClass.ToArray();
            if (shuffle) CvCheck.Shuffle(assigned, random);
            int next = 0;
            for (int i = 0; i < n; i++) if (encoded[i] == k) testFold[i] = assigned[next++];
        }
        return testFold;
    }
}

/// <summary>
/// Repeated stratified k folds (scikit-learn RepeatedStratifiedKFold): <c>repeats</c> shuffled StratifiedKFold runs
/// from one seeded random stream, so each repeat deals the rows differently. Yields folds * repeats pairs.
/// </summary>
public sealed class RepeatedStratifiedKFold(int folds = 5, int repeats = 10, int seed = 0) : ICrossValidator
{
    readonly StratifiedKFold inner = new(folds, shuffle: true);
    public int Folds => inner.Folds;
    public int Repeats { get; } = repeats >= 1 ? repeats : throw new ArgumentOutOfRangeException(nameof(repeats), $"repeats must be at least 1, got {repeats}.");
    public int SplitCount => Folds * Repeats;

    public IEnumerable<(long[] Train, long[] Test)> Split(int n, int[]? labels = null, int[]? groups = null)
    {
        var random = new Random(seed);
        for (int r = 0; r < Repeats; r++)
        {
            var testFold = inner.Assign(n, labels, random);
            for (int f = 0; f < Folds; f++) yield return CvCheck.Pair(testFold.Select(t => t == f).ToArray());
        }
    }
}

/// <summary>
/// Random permutation splits (scikit-learn ShuffleSplit): each split draws ceil(testFraction * n) test rows and, by
/// default, all remaining rows for training (or floor(trainFraction * n) of them), independently per split.
/// </summary>
public sealed class ShuffleSplit(int splits = 10, double testFraction = 0.1, double? trainFraction = null, int seed = 0) : ICrossValidator
{
    public int SplitCount { get; } = splits >= 1 ? splits : throw new ArgumentOutOfRangeException(nameof(splits), $"splits must be at least 1, got {splits}.");
    public double TestFraction { get; } = testFraction is > 0 and < 1 ? testFraction : throw new ArgumentOutOfRangeException(nameof(testFraction), $"testFraction must be in (0, 1), got {testFraction}.");
    public double? TrainFraction { get; } = trainFraction is null or (> 0 and < 1) ? trainFraction : throw new ArgumentOutOfRangeException(nameof(trainFraction), $"trainFraction must be in (0, 1), got {trainFraction}.");

    public IEnumerable<(long[] Train, long[] Test)> Split(int n, int[]? labels = null, int[]? groups = null)
    {
        int testCount = (int)Math.Ceiling(TestFraction * n);
        int trainCount = TrainFraction is double t ? (int)Math.Floor(t * n) : n - testCount;
        if (testCount < 1 || trainCount < 1 || testCount + trainCount > n)
            throw new ArgumentException($"ShuffleSplit cannot take {testCount} test and {trainCount} train rows from {n} samples.", nameof(n));
        var random = new Random(seed);
        for (int s = 0; s < SplitCount; s++)
        {
            var order = CvCheck.Shuffle(Enumerable.Range(0, n).ToArray(), random);
            yield return (order.Skip(testCount).Take(trainCount).Order().Select(i => (long)i).ToArray(),
                          order.Take(testCount).Order().Select(i => (long)i).ToArray());
        }
    }
}

/// <summary>
/// K folds that keep each group whole (scikit-learn 1.2 GroupKFold): groups are taken from largest to smallest
/// (ties: later group id first, as numpy's reversed argsort) and each goes to the fold with the fewest rows so far
/// (ties: lowest fold), so no group is in both train and test. Not randomised.
/// </summary>
public sealed class GroupKFold(int folds = 5) : ICrossValidator
{
    public int Folds { get; } = folds >= 2 ? folds : throw new ArgumentOutOfRangeException(nameof(folds), $"GroupKFold needs at least 2 folds, got {folds}.");
    public int SplitCount => Folds;

    public IEnumerable<(long[] Train, long[] Test)> Split(int n, int[]? labels = null, int[]? groups = null)
    {
        CvCheck.Count(n, Folds);
        if (groups is null) throw new ArgumentException("GroupKFold needs a group id per sample.", nameof(groups));
        if (groups.Length != n) throw new ArgumentException($"groups has {groups.Length} entries for {n} samples.", nameof(groups));
        var ids = groups.Distinct().Order().ToArray();
        if (ids.Length < Folds)
            throw new ArgumentException($"GroupKFold with {Folds} folds needs at least {Folds} distinct groups, got {ids.Length}.", nameof(groups));
        var rank = ids.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i);
        var size = new int[ids.Length];
        foreach (var g in groups) size[rank[g]]++;
        var byWeight = Enumerable.Range(0, ids.Length).OrderByDescending(g => size[g]).ThenByDescending(g => g).ToArray();
        var foldRows = new long[Folds];
        var groupFold = new int[ids.Length];
        foreach (var g in byWeight)
        {
            int lightest = 0;
            for (int f = 1; f < Folds; f++) if (foldRows[f] < foldRows[lightest]) lightest = f;
            foldRows[lightest] += size[g];
            groupFold[g] = lightest;
        }
        for (int f = 0; f < Folds; f++)
        {
            int fold = f;
            yield return CvCheck.Pair(groups.Select(g => groupFold[rank[g]] == fold).ToArray());
        }
    }
}

static class CvCheck
{
    public static void Count(int n, int folds)
    {
        if (n < folds) throw new ArgumentException($"Cannot make {folds} folds from {n} samples.", nameof(n));
    }

    public static (long[] Train, long[] Test) Pair(bool[] inTest)
    {
        var train = new List<long>(inTest.Length);
        var test = new List<long>();
        for (int i = 0; i < inTest.Length; i++) (inTest[i] ? test : train).Add(i);
        return (train.ToArray(), test.ToArray());
    }

    public static T[] Shuffle<T>(T[] items, Random random)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
        return items;
    }
}
