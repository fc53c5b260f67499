namespace NotebookKit.Tuning;

/// <summary>
/// Limited-memory BFGS with box bounds by projection (a small L-BFGS-B): two-loop direction on the free variables,
/// projected backtracking Armijo line search. Used to fit GP hyperparameters and to refine acquisition maxima;
/// gradients come from TorchSharp autograd.
/// </summary>
public static class BoxLbfgs
{
    public sealed record Result(double[] X, double Value, int Evaluations);

    /// <summary>Minimises f over lo ≤ x ≤ hi; <paramref name="valueAndGradient"/> returns f(x) and ∇f(x).</summary>
    public static Result Minimize(Func<double[], (double Value, double[] Gradient)> valueAndGradient, double[] x0, double[] lo, double[] hi,
        int maxIterations = 100, double gradientTolerance = 1e-6, int memory = 10)
    {
        int n = x0.Length;
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Math.Clamp(x0[i], lo[i], hi[i]);
        var (f, g) = valueAndGradient(x);
        int evaluations = 1;
        if (!double.IsFinite(f)) return new Result(x, f, evaluations);
        var sList = new List<double[]>(); var yList = new List<double[]>(); var rhoList = new List<double>();
        for (int iter = 0; iter < maxIterations; iter++)
        {
            var free = new bool[n];
            double pgMax = 0;
            for (int i = 0; i < n; i++)
            {
                free[i] = !((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0));
                if (free[i]) pgMax = Math.Max(pgMax, Math.Abs(g[i]));
            }
            if (pgMax < gradientTolerance) break;
            var d = new double[n];
            for (int i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0;
            if (sList.Count > 0)
            {
                var q = (double[])d.Clone();
                var alpha = new double[sList.Count];
                for (int k = sList.Count - 1; k >= 0; k--) { alpha[k] = rhoList[k] * Dot(sList[k], q, free); Axpy(-alpha[k], yList[k], q, free); }
                double gamma = Dot(sList[^1], yList[^1], free) / Math.Max(Dot(yList[^1], yList[^1], free), 1e-300);
                if (!(gamma > 0) || !double.IsFinite(gamma)) gamma = 1;
                for (int i = 0; i < n; i++) q[i] *= gamma;
                for (int k = 0; k < sList.Count; k++) { double beta = rhoList[k] * Dot(yList[k], q, free); Axpy(alpha[k] - beta, sList[k], q, free); }
                d = q;
            }
            double slope = 0;
            for (int i = 0; i < n; i++) slope += d[i] * g[i];
            if (!(slope < 0)) { sList.Clear(); yList.Clear(); rhoList.Clear(); for (int i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0; }
            double step = sList.Count == 0 ? Math.Min(1, 1 / Math.Max(pgMax, 1e-12)) : 1;
            double[]? xn = null; double fn = 0; double[]? gn = null;
            bool accepted = false;
            for (int ls = 0; ls < 30; ls++)
            {
                xn = new double[n];
                double decrease = 0;
                for (int i = 0; i < n; i++) { xn[i] = Math.Clamp(x[i] + step * d[i], lo[i], hi[i]); decrease += g[i] * (xn[i] - x[i]); }
                (fn, gn) = valueAndGradient(xn);
                evaluations++;
                if (double.IsFinite(fn) && fn <= f + 1e-4 * decrease) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted) break;
            var s = new double[n]; var y = new double[n];
            for (int i = 0; i < n; i++) { s[i] = xn![i] - x[i]; y[i] = gn![i] - g[i]; }
            double sy = Dot(s, y, null);
            if (sy > 1e-12 * Math.Sqrt(Dot(s, s, null) * Dot(y, y, null)))
            {
                sList.Add(s); yList.Add(y); rhoList.Add(1 / sy);
                if (sList.Count > memory) { sList.RemoveAt(0); yList.RemoveAt(0); rhoList.RemoveAt(0); }
            }
            bool converged = Math.Abs(f - fn) <= 1e-12 * (1 + Math.Abs(f));
            (x, f, g) = (xn!, fn, gn!);
            if (converged) break;
        }
        return new Result(x, f, evaluations);
    }

    static double Dot(double[] a, double[] b, bool[]? mask)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) if (mask is null || mask[i]) s += a[i] * b[i];
        return s;
    }

    static void Axpy(double a, double[] x, double[] y, bool[] mask)
    {
        for (int i = 0; i < x.Length; i++) if (mask[i]) y[i] += a * x[i];
    }
}
