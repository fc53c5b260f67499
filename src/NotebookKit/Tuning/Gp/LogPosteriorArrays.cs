namespace NotebookKit.Tuning;

/// <summary>
/// The GP fit's objective, −(log p(y | X, θ) + log priors), and its gradient in closed form on double arrays:
/// the same function as <see cref="GaussianProcess"/>'s autograd version, about a hundred small tensor operations
/// cheaper per evaluation at the sizes a study has (n ≤ a few hundred). With A = K + σ²I, α = A⁻¹y and
/// W = ααᵀ − A⁻¹: ∂ log p/∂θ = ½ tr(W ∂A/∂θ), where ∂K_ij/∂log λ_d = −(5/6)·s·(1 + r)e^(−r)·λ_d·Δ_ijd²,
/// ∂K/∂log s = K and ∂A/∂log(σ² − floor) = (σ² − floor)·I.
/// </summary>
internal sealed class LogPosteriorArrays
{
    readonly double[][] x;
    readonly double[] y;
    readonly int n, d;
    readonly bool fitNoise, priors;
    readonly double minNoise;
    readonly double[,] a, l, lInverse, inverse, g;
    readonly double[] alpha, work;

    public LogPosteriorArrays(double[][] x, double[] y, bool fitNoise, double minNoise, bool priors)
    {
        (this.x, this.y, this.fitNoise, this.minNoise, this.priors) = (x, y, fitNoise, minNoise, priors);
        (n, d) = (x.Length, x[0].Length);
        (a, l, lInverse, inverse, g) = (new double[n, n], new double[n, n], new double[n, n], new double[n, n], new double[n, n]);
        (alpha, work) = (new double[n], new double[n]);
    }

    /// <summary>The objective to minimise and its gradient at θ = [log λ_1..d, log s, log(σ² − floor) if fitted].</summary>
    public (double Value, double[] Gradient) Evaluate(double[] theta)
    {
        var lambda = new double[d];
        for (int k = 0; k < d; k++) lambda[k] = Math.Exp(theta[k]);
        double s = Math.Exp(theta[d]), free = fitNoise ? Math.Exp(theta[d + 1]) : 0, noise = free + minNoise;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double d2 = 0;
                for (int k = 0; k < d; k++) { double t = x[i][k] - x[j][k]; d2 += lambda[k] * t * t; }
                double r = Math.Sqrt(Math.Max(d2, 1e-30)) * 2.2360679774997896, e = Math.Exp(-r);
                a[i, j] = a[j, i] = s * (1 + r + r * r / 3) * e;
                g[i, j] = g[j, i] = (1 + r) * e;
            }
        double scale = 0;
        for (int i = 0; i < n; i++) { scale += a[i, i]; a[i, i] += noise; }
        scale = Math.Max(scale / n, 1e-12);
        // The same jitter ladder as the tensor version: 1e-9, 1e-8, ... of the mean diagonal until L exists.
        double jitter = 0;
        for (int attempt = 0; !Factor(jitter); attempt++)
        {
            if (attempt == 6) return (double.PositiveInfinity, new double[theta.Length]);
            jitter = jitter == 0 ? 1e-9 * scale : jitter * 10;
        }
        // α = A⁻¹y by two triangular solves; A⁻¹ = L⁻ᵀL⁻¹ from L⁻¹ (kept in the lower triangle of `inverse`).
        for (int i = 0; i < n; i++)
        {
            double v = y[i];
            for (int k = 0; k < i; k++) v -= l[i, k] * work[k];
            work[i] = v / l[i, i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double v = work[i];
            for (int k = i + 1; k < n; k++) v -= l[k, i] * alpha[k];
            alpha[i] = v / l[i, i];
        }
        double fit = 0, logDet = 0;
        for (int i = 0; i < n; i++) { fit += y[i] * alpha[i]; logDet += Math.Log(l[i, i]); }
        double value = -0.5 * fit - logDet - n * StandardNormal.HalfLog2Pi;
        InvertFromCholesky();
        var gradient = new double[theta.Length];
        double traceKW = 0, traceW = 0;
        var dLambda = new double[d];
        for (int i = 0; i < n; i++)
        {
            traceW += alpha[i] * alpha[i] - inverse[i, i];
            for (int j = 0; j < n; j++)
            {
                double w = alpha[i] * alpha[j] - inverse[i, j];
                double k = i == j ? a[i, i] - noise : a[i, j]; // ∂A/∂log s = K, without noise or jitter
                traceKW += w * k;
                if (i == j) continue;
                double c = w * g[i, j];
                for (int m = 0; m < d; m++) { double t = x[i][m] - x[j][m]; dLambda[m] += c * t * t; }
            }
        }
        for (int m = 0; m < d; m++) gradient[m] = 0.5 * (-5.0 / 6.0) * s * lambda[m] * dLambda[m];
        gradient[d] = 0.5 * traceKW;
        if (fitNoise) gradient[d + 1] = 0.5 * traceW * free;
        if (priors)
        {
            for (int m = 0; m < d; m++) { value -= 0.1 / lambda[m] + 0.1 * lambda[m]; gradient[m] += 0.1 / lambda[m] - 0.1 * lambda[m]; }
            value += Math.Log(s) - s;
            gradient[d] += 1 - s;
            if (fitNoise) { value += 0.1 * Math.Log(noise) - 30 * noise; gradient[d + 1] += (0.1 / noise - 30) * free; }
        }
        for (int i = 0; i < gradient.Length; i++) gradient[i] = -gradient[i];
        return double.IsFinite(value) ? (-value, gradient) : (double.PositiveInfinity, new double[theta.Length]);
    }

    bool Factor(double jitter)
    {
        for (int j = 0; j < n; j++)
        {
            double diagonal = a[j, j] + jitter;
            for (int k = 0; k < j; k++) diagonal -= l[j, k] * l[j, k];
            if (!(diagonal > 0)) return false;
            double ljj = Math.Sqrt(diagonal);
            l[j, j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double v = a[i, j];
                for (int k = 0; k < j; k++) v -= l[i, k] * l[j, k];
                l[i, j] = v / ljj;
            }
        }
        return true;
    }

    void InvertFromCholesky()
    {
        // M = L⁻¹ (lower triangular), column by column.
        var m = lInverse;
        for (int j = 0; j < n; j++)
        {
            m[j, j] = 1 / l[j, j];
            for (int i = j + 1; i < n; i++)
            {
                double v = 0;
                for (int k = j; k < i; k++) v -= l[i, k] * m[k, j];
                m[i, j] = v / l[i, i];
            }
        }
        // A⁻¹_ij = Σ_k≥max(i,j) M_ki M_kj.
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double v = 0;
                for (int k = i; k < n; k++) v += m[k, i] * m[k, j];
                inverse[i, j] = inverse[j, i] = v;
            }
    }
}
