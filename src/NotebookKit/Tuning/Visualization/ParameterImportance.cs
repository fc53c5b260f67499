namespace NotebookKit.Tuning;

/// <summary>
/// Parameter importances by permutation on a surrogate: a GP is fitted to the completed trials (unit-cube encoding,
/// standardised values); a parameter's importance is the mean squared change of the surrogate's prediction when
/// that parameter's column is shuffled across trials, averaged over repeats and normalised to sum to 1.
/// </summary>
public static class ParameterImportance
{
    public static IReadOnlyDictionary<string, double> Evaluate(Study study, int repeats = 10, int seed = 0)
    {
        var complete = study.GetTrials(TrialState.Complete);
        var space = SearchSpace.Intersection(complete);
        if (space.Count == 0) throw new InvalidOperationException("Importances need completed trials that share at least one parameter.");
        if (complete.Count < 3) throw new InvalidOperationException("Importances need at least 3 completed trials.");
        var encoding = new SpaceEncoding(space);
        var x = complete.Select(t => encoding.Encode(t.InternalParams)).ToArray();
        var y = complete.Select(t => t.Value!.Value).ToArray();
        using var gp = GaussianProcess.Fit(x, y);
        var baseline = gp.Predict(x).Mean;
        var random = new Random(seed);
        var scores = new Dictionary<string, double>();
        foreach (var name in encoding.Names)
        {
            var columns = Enumerable.Range(0, encoding.Dimensions).Where(j => ColumnOf(encoding, space, name, j)).ToArray();
            double total = 0;
            for (int r = 0; r < repeats; r++)
            {
                var order = Enumerable.Range(0, x.Length).ToArray();
                random.Shuffle(order);
                var shuffled = x.Select((row, i) => { var c = (double[])row.Clone(); foreach (int j in columns) c[j] = x[order[i]][j]; return c; }).ToArray();
                var mean = gp.Predict(shuffled).Mean;
                total += mean.Select((m, i) => (m - baseline[i]) * (m - baseline[i])).Average();
            }
            scores[name] = total / repeats;
        }
        double sum = scores.Values.Sum();
        return scores.OrderByDescending(p => p.Value).ToDictionary(p => p.Key, p => sum > 0 ? p.Value / sum : 1.0 / scores.Count);
    }

    static bool ColumnOf(SpaceEncoding encoding, IReadOnlyDictionary<string, Distribution> space, string name, int column)
    {
        int offset = 0;
        foreach (var n in encoding.Names)
        {
            int width = space[n] is CategoricalDistribution c ? c.Choices.Count : 1;
            if (n == name) return column >= offset && column < offset + width;
            offset += width;
        }
        return false;
    }
}
