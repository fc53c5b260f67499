namespace NotebookKit.Metrics;

/// <summary>
/// Bootstrap confidence intervals for any metric: resample the rows with replacement (seeded), recompute the
/// metric, and take the percentile interval of the resampled values (numpy's linear percentile). Resamples on which
/// the metric is undefined (it throws ArgumentException, e.g. AUC with one class) are skipped and counted.
/// </summary>
public static class Bootstrap
{
    public static BootstrapResult Interval(int[] yTrue, double[] scores, Func<int[], double[], double> metric, string name = "metric",
        int resamples = 1000, double confidence = 0.95, int seed = 42) =>
        Run(yTrue, scores, metric, name, resamples, confidence, seed);

    public static BootstrapResult Interval(int[] yTrue, int[] yPred, Func<int[], int[], double> metric, string name = "metric",
        int resamples = 1000, double confidence = 0.95, int seed = 42) =>
        Run(yTrue, yPred, metric, name, resamples, confidence, seed);

    public static BootstrapResult Interval(double[] yTrue, double[] yPred, Func<double[], double[], double> metric, string name = "metric",
        int resamples = 1000, double confidence = 0.95, int seed = 42) =>
        Run(yTrue, yPred, metric, name, resamples, confidence, seed);

    static BootstrapResult Run<TA, TB>(TA[] a, TB[] b, Func<TA[], TB[], double> metric, string name, int resamples, double confidence, int seed)
    {
        Validate.Pair(a.Length, b.Length, "yTrue", "predictions");
        if (resamples < 2) throw new ArgumentException($"resamples must be at least 2, got {resamples}.", nameof(resamples));
        if (!(confidence is > 0 and < 1)) throw new ArgumentException($"confidence must be in (0, 1), got {confidence}.", nameof(confidence));
        double value = metric(a, b);
        var random = new Random(seed);
        int n = a.Length;
        var ra = new TA[n];
        var rb = new TB[n];
        var samples = new List<double>(resamples);
        int skipped = 0;
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < n; i++)
            {
                int j = random.Next(n);
                ra[i] = a[j];
                rb[i] = b[j];
            }
            try { samples.Add(metric(ra, rb)); }
            catch (ArgumentException) { skipped++; }
        }
        if (samples.Count < 2) throw new ArgumentException($"The metric was undefined on {skipped} of {resamples} resamples; no interval.", nameof(metric));
        var bounds = Score.Percentiles(samples.ToArray(), [(1 - confidence) / 2 * 100, (1 + confidence) / 2 * 100]);
        return new BootstrapResult(name, value, bounds[0], bounds[1], confidence, resamples, skipped, samples.ToArray());
    }
}
