using static TorchSharp.torch;

namespace NotebookKit.Data;

/// <summary>Seeded synthetic data of any size, for throughput and GPU demos where no large real set can be fetched.</summary>
public static class Synthetic
{
    /// <summary>
    /// A classification problem in the style of scikit-learn's make_classification: each class is a Gaussian
    /// cluster (unit variance) centred on a vertex of a hypercube of side 2*<paramref name="classSeparation"/> in the
    /// informative dimensions; redundant features are random linear combinations of the informative ones; the rest
    /// is standard normal noise. Columns are shuffled so informative features are not simply the first ones.
    /// </summary>
    /// <param name="weights">Class proportions (length = classes); default balanced.</param>
    public static Dataset MakeClassification(int samples = 1000, int features = 20, int informative = 2, int redundant = 2,
        int classes = 2, double[]? weights = null, double classSeparation = 1.0, int seed = 0)
    {
        if (samples < classes) throw new ArgumentOutOfRangeException(nameof(samples), $"Need at least one sample per class ({classes}).");
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), "Need at least 2 classes.");
        if (informative < 1 || informative + redundant > features)
            throw new ArgumentException($"informative ({informative}) + redundant ({redundant}) must be in 1..features ({features}).");
        if (classes > (1L << Math.Min(informative, 30)))
            throw new ArgumentException($"{classes} classes need at least log2({classes}) informative features, got {informative}.");
        weights ??= Enumerable.Repeat(1.0 / classes, classes).ToArray();
        if (weights.Length != classes || weights.Any(w => w < 0 || !double.IsFinite(w)) || Math.Abs(weights.Sum() - 1) > 1e-9)
            throw new ArgumentException($"weights must be {classes} non-negative numbers summing to 1.", nameof(weights));

        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

        var counts = weights.Select(w => (int)Math.Floor(w * samples)).ToArray();
        for (int c = 0; counts.Sum() < samples; c = (c + 1) % classes) counts[c]++;

        // Distinct hypercube vertices, one per class.
        var vertices = Enumerable.Range(0, 1 << Math.Min(informative, 20)).OrderBy(_ => random.Next()).Take(classes).ToArray();
        var mix = new double[informative, redundant];
        for (int i = 0; i < informative; i++) for (int j = 0; j < redundant; j++) mix[i, j] = 2 * random.NextDouble() - 1;

        var x = new float[samples * features];
        var y = new long[samples];
        int row = 0;
        for (int c = 0; c < classes; c++)
        {
            for (int k = 0; k < counts[c]; k++, row++)
            {
                y[row] = c;
                var info = new double[informative];
                for (int i = 0; i < informative; i++)
                {
                    double centre = ((vertices[c] >> (i % 20)) & 1) == 1 ? classSeparation : -classSeparation;
                    info[i] = centre + Normal();
                    x[row * features + i] = (float)info[i];
                }
                for (int j = 0; j < redundant; j++)
                {
                    double v = 0;
                    for (int i = 0; i < informative; i++) v += info[i] * mix[i, j];
                    x[row * features + informative + j] = (float)v;
                }
                for (int j = informative + redundant; j < features; j++) x[row * features + j] = (float)Normal();
            }
        }

        var rowOrder = Enumerable.Range(0, samples).OrderBy(_ => random.Next()).ToArray();
        var columnOrder = Enumerable.Range(0, features).OrderBy(_ => random.Next()).ToArray();
        var shuffled = new float[x.Length];
        var labels = new long[samples];
        for (int r = 0; r < samples; r++)
        {
            labels[r] = y[rowOrder[r]];
            for (int j = 0; j < features; j++) shuffled[r * features + j] = x[rowOrder[r] * features + columnOrder[j]];
        }
        var names = columnOrder.Select(j => j < informative ? $"informative_{j}" : j < informative + redundant ? $"redundant_{j - informative}" : $"noise_{j - informative - redundant}").ToArray();
        return new Dataset("synthetic", TaskKind.Classification, tensor(shuffled, new long[] { samples, features }), tensor(labels),
            names, Enumerable.Range(0, classes).Select(c => $"class_{c}").ToArray());
    }
}
