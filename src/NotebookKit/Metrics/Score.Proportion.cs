namespace NotebookKit.Metrics;

public static partial class Score
{
    /// <summary>
    /// Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998, method 3): the p for which
    /// |successes/n - p| is within z standard errors sqrt(p (1 - p) / n). Unlike p̂ ± z·sqrt(p̂ (1 - p̂) / n) it keeps
    /// a width at 0 or n successes, where the test score of a good model often sits. z = 1.96 gives 95%.
    /// </summary>
    public static (double Lower, double Upper) WilsonInterval(int successes, int n, double z = 1.959963984540054)
    {
        if (n <= 0) throw new ArgumentException($"n must be positive, got {n}.", nameof(n));
        if (successes < 0 || successes > n)
            throw new ArgumentException($"successes must be between 0 and n = {n}, got {successes}.", nameof(successes));
        if (!(z > 0) || !double.IsFinite(z)) throw new ArgumentException($"z must be positive and finite, got {z}.", nameof(z));
        double p = (double)successes / n, z2 = z * z, d = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / d;
        double half = z / d * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (successes == 0 ? 0 : Math.Max(0, centre - half), successes == n ? 1 : Math.Min(1, centre + half));
    }
}
