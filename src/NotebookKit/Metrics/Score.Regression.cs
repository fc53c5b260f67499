namespace NotebookKit.Metrics;

public static partial class Score
{
    static double WeightedAverage(ReadOnlySpan<double> x, ReadOnlySpan<double> w)
    {
        double s = 0, ws = 0;
        if (w.IsEmpty)
        {
            for (int i = 0; i < x.Length; i++) s += x[i];
            return s / x.Length;
        }
        for (int i = 0; i < x.Length; i++) { s += x[i] * w[i]; ws += w[i]; }
        if (ws == 0) throw new ArgumentException("The sample weights sum to zero; a weighted average is undefined.", "sampleWeight");
        return s / ws;
    }

    static double[] Residuals(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> w, Func<double, double, double> f)
    {
        Validate.Pair(yTrue.Length, yPred.Length, "yTrue", "yPred");
        Validate.Weights(w, yTrue.Length);
        Validate.Finite(yTrue, "yTrue");
        Validate.Finite(yPred, "yPred");
        var r = new double[yTrue.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(yTrue[i], yPred[i]);
        return r;
    }

    /// <summary>MSE = sum_i w_i (y_i - yhat_i)^2 / sum_i w_i; with <paramref name="squared"/> false, RMSE = sqrt(MSE).</summary>
    public static double MeanSquaredError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default, bool squared = true)
    {
        double mse = WeightedAverage(Residuals(yTrue, yPred, sampleWeight, (t, p) => (t - p) * (t - p)), sampleWeight);
        return squared ? mse : Math.Sqrt(mse);
    }

    /// <summary>RMSE = sqrt(MSE), in the target's units.</summary>
    public static double RootMeanSquaredError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default) =>
        MeanSquaredError(yTrue, yPred, sampleWeight, squared: false);

    /// <summary>MAE = sum_i w_i |y_i - yhat_i| / sum_i w_i.</summary>
    public static double MeanAbsoluteError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default) =>
        WeightedAverage(Residuals(yTrue, yPred, sampleWeight, (t, p) => Math.Abs(t - p)), sampleWeight);

    /// <summary>
    /// Median of |y_i - yhat_i| (midpoint of the two middle values for even n). Weighted: scikit-learn's weighted
    /// percentile, the smallest residual whose cumulative weight reaches half the total.
    /// </summary>
    public static double MedianAbsoluteError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default)
    {
        var r = Residuals(yTrue, yPred, sampleWeight, (t, p) => Math.Abs(p - t));
        if (sampleWeight.IsEmpty)
        {
            Array.Sort(r);
            int n = r.Length;
            return n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
        }
        var order = Enumerable.Range(0, r.Length).ToArray();
        var keys = (double[])r.Clone();
        Array.Sort(keys, order);
        var cdf = new double[r.Length];
        double acc = 0;
        for (int i = 0; i < r.Length; i++) { acc += sampleWeight[order[i]]; cdf[i] = acc; }
        double half = 0.5 * cdf[^1];
        int idx = 0;
        while (idx < cdf.Length && cdf[idx] < half) idx++; // numpy searchsorted, side left
        return keys[Math.Min(idx, r.Length - 1)];
    }

    /// <summary>Max error = max_i |y_i - yhat_i|, the worst case.</summary>
    public static double MaxError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred) =>
        Residuals(yTrue, yPred, default, (t, p) => Math.Abs(t - p)).Max();

    /// <summary>MAPE = sum_i w_i |y_i - yhat_i| / max(|y_i|, eps) / sum_i w_i, eps = 2.22e-16: a fraction, not a percentage.</summary>
    public static double MeanAbsolutePercentageError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default) =>
        WeightedAverage(Residuals(yTrue, yPred, sampleWeight, (t, p) => Math.Abs(p - t) / Math.Max(Math.Abs(t), 2.220446049250313e-16)), sampleWeight);

    /// <summary>MSLE = mean of (log(1 + y) - log(1 + yhat))^2; targets and predictions must not be negative.</summary>
    public static double MeanSquaredLogError(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default, bool squared = true)
    {
        for (int i = 0; i < yTrue.Length; i++) if (yTrue[i] < 0) throw new ArgumentException($"yTrue[{i}] = {yTrue[i]}; mean squared log error needs targets >= 0.", nameof(yTrue));
        for (int i = 0; i < yPred.Length; i++) if (yPred[i] < 0) throw new ArgumentException($"yPred[{i}] = {yPred[i]}; mean squared log error needs predictions >= 0.", nameof(yPred));
        double msle = WeightedAverage(Residuals(yTrue, yPred, sampleWeight, (t, p) => { double d = Math.Log(1 + t) - Math.Log(1 + p); return d * d; }), sampleWeight);
        return squared ? msle : Math.Sqrt(msle);
    }

    /// <summary>
    /// R^2 = 1 - sum w (y - yhat)^2 / sum w (y - ybar_w)^2: the share of the target's variance explained. When y is
    /// constant: 1 for a perfect prediction, else 0 (scikit-learn's force_finite). Can be negative.
    /// </summary>
    public static double R2(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default)
    {
        var sq = Residuals(yTrue, yPred, sampleWeight, (t, p) => (t - p) * (t - p));
        if (yTrue.Length < 2) throw new ArgumentException("R^2 needs at least two samples.", nameof(yTrue));
        double mean = WeightedAverage(yTrue, sampleWeight);
        double num = 0, den = 0;
        for (int i = 0; i < sq.Length; i++)
        {
            double w = sampleWeight.IsEmpty ? 1 : sampleWeight[i];
            num += w * sq[i];
            den += w * (yTrue[i] - mean) * (yTrue[i] - mean);
        }
        if (den == 0) return num == 0 ? 1.0 : 0.0;
        return 1 - num / den;
    }

    /// <summary>
    /// Explained variance = 1 - Var_w(y - yhat) / Var_w(y): like R^2 but blind to a constant bias. Constant y:
    /// 1 for a perfect prediction, else 0.
    /// </summary>
    public static double ExplainedVariance(ReadOnlySpan<double> yTrue, ReadOnlySpan<double> yPred, ReadOnlySpan<double> sampleWeight = default)
    {
        var diff = Residuals(yTrue, yPred, sampleWeight, (t, p) => t - p);
        double diffMean = WeightedAverage(diff, sampleWeight);
        var centred = diff.Select(d => (d - diffMean) * (d - diffMean)).ToArray();
        double num = WeightedAverage(centred, sampleWeight);
        double mean = WeightedAverage(yTrue, sampleWeight);
        var spread = new double[yTrue.Length];
        for (int i = 0; i < spread.Length; i++) spread[i] = (yTrue[i] - mean) * (yTrue[i] - mean);
        double den = WeightedAverage(spread, sampleWeight);
        if (den == 0) return num == 0 ? 1.0 : 0.0;
        return 1 - num / den;
    }
}
