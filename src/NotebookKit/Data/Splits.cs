namespace NotebookKit.Data;

/// <summary>Train/test index splits (seeded). Cross-validation splitters live beside this one.</summary>
public static class Splits
{
    /// <summary>
    /// Shuffled train/test indices. With <paramref name="stratify"/> labels, each class keeps its share in both parts
    /// (test size per class rounded, as scikit-learn does overall: ceil(testFraction * n) test rows).
    /// </summary>
    public static (long[] Train, long[] Test) TrainTestSplit(int count, double testFraction = 0.25, int seed = 0, int[]? stratify = null)
    {
        if (count < 2) throw new ArgumentException($"Need at least 2 samples to split, got {count}.", nameof(count));
        if (testFraction is <= 0 or >= 1 || double.IsNaN(testFraction))
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"testFraction must be in (0, 1), got {testFraction}.");
        if (stratify is not null && stratify.Length != count)
            throw new ArgumentException($"stratify has {stratify.Length} labels for {count} samples.", nameof(stratify));
        var random = new Random(seed);
        int testCount = (int)Math.Ceiling(testFraction * count);
        if (testCount >= count) throw new ArgumentException($"testFraction {testFraction} leaves no training rows out of {count}.");
        var test = new List<long>();
        var train = new List<long>();
        if (stratify is null)
        {
            var order = CvCheck.Shuffle(Enumerable.Range(0, count).ToArray(), random);
            test.AddRange(order.Take(testCount).Select(i => (long)i));
            train.AddRange(order.Skip(testCount).Select(i => (long)i));
        }
        else
        {
            var groups = Enumerable.Range(0, count).GroupBy(i => stratify[i]).OrderBy(g => g.Key).ToArray();
            // As scikit-learn: a one-member class cannot be in both parts, so a stratified split is impossible.
            if (groups.FirstOrDefault(g => g.Count() < 2) is { } lonely)
                throw new ArgumentException($"Class {lonely.Key} has only 1 member; a stratified split needs at least 2 of each class.", nameof(stratify));
            // Largest-remainder allocation so per-class test counts add up to testCount exactly.
            var exact = groups.Select(g => testFraction * g.Count()).ToArray();
            var take = exact.Select(e => (int)Math.Floor(e)).ToArray();
            foreach (var k in Enumerable.Range(0, groups.Length).OrderByDescending(k => exact[k] - take[k]).Take(testCount - take.Sum()))
                take[k]++;
            for (int k = 0; k < groups.Length; k++)
            {
                var members = CvCheck.Shuffle(groups[k].ToArray(), random);
                test.AddRange(members.Take(take[k]).Select(i => (long)i));
                train.AddRange(members.Skip(take[k]).Select(i => (long)i));
            }
        }
        return (CvCheck.Shuffle(train.ToArray(), random), CvCheck.Shuffle(test.ToArray(), random));
    }
}
