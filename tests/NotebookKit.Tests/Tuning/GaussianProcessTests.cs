using System.Text.Json;
using NotebookKit.Tuning;
using TorchSharp;

namespace NotebookKit.Tests.Tuning;

public class GaussianProcessTests
{
    static readonly JsonElement Sklearn = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/gp_sklearn.json"))).RootElement;

    static double[][] Rows(string key) => Sklearn.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
    static double[] Values(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    static GpHyperparameters Hyper(JsonElement c) =>
        new(Values(c.GetProperty("length_scales")), c.GetProperty("output_scale").GetDouble(), c.GetProperty("noise").GetDouble());

    [Fact]
    public void Matern52KernelMatchesItsClosedFormAtKnownDistances()
    {
        // k(r) = (1 + √5 r + 5/3 r²) e^{−√5 r}: k(0) = 1, k(1) = (1 + √5 + 5/3) e^{−√5}.
        Assert.Equal(1.0, GaussianProcess.Matern52(0), 15);
        Assert.Equal((1 + Math.Sqrt(5) + 5.0 / 3) * Math.Exp(-Math.Sqrt(5)), GaussianProcess.Matern52(1), 15);
        var a = torch.tensor(new double[] { 0, 0, 3, 4 }, [2, 2], torch.float64);
        var b = torch.tensor(new double[] { 0, 0 }, [1, 2], torch.float64);
        // ARD: length scales (3, 4) make the point (3, 4) sit at r = √2 from the origin; scale 2 doubles the kernel.
        var k = GaussianProcess.Matern52(a, b, torch.tensor(new[] { 1 / 9.0, 1 / 16.0 }, torch.float64), torch.tensor(2.0, torch.float64));
        Assert.Equal(2.0, k[0, 0].item<double>(), 12);
        Assert.Equal(GaussianProcess.Matern52(Math.Sqrt(2), 2), k[1, 0].item<double>(), 12);
    }

    [Fact]
    public void LogMarginalLikelihoodEqualsScikitLearns()
    {
        var x = Rows("x"); var y = Values(Sklearn.GetProperty("y"));
        foreach (var c in Sklearn.GetProperty("cases").EnumerateArray())
            Assert.Equal(c.GetProperty("lml").GetDouble(), GaussianProcess.LogMarginalLikelihoodAt(x, y, Hyper(c)), 8);
    }

    [Fact]
    public void PosteriorMeanAndVarianceEqualScikitLearns()
    {
        var x = Rows("x"); var y = Values(Sklearn.GetProperty("y")); var xq = Rows("xq");
        foreach (var c in Sklearn.GetProperty("cases").EnumerateArray())
        {
            var h = Hyper(c);
            using var gp = GaussianProcess.WithHyperparameters(x, y, h);
            var (mean, std) = gp.Predict(xq);
            var refMean = Values(c.GetProperty("mean"));
            var refStd = Values(c.GetProperty("std_with_noise"));
            for (int i = 0; i < xq.Length; i++)
            {
                Assert.Equal(refMean[i], mean[i], 8);
                Assert.Equal(refStd[i], Math.Sqrt(std[i] * std[i] + h.Noise), 8); // sklearn's std includes the white noise
            }
        }
    }

    [Fact]
    public void AutogradGradientOfTheLikelihoodMatchesScikitLearnAndFiniteDifferences()
    {
        var x = Rows("x"); var y = Values(Sklearn.GetProperty("y"));
        foreach (var c in Sklearn.GetProperty("cases").EnumerateArray())
        {
            var h = Hyper(c);
            var grad = GaussianProcess.LogMarginalLikelihoodGradient(x, y, h); // θ = [log λ_d, log s, log σ²], λ = 1/ℓ²
            var gradLogL = Values(c.GetProperty("grad_log_l"));
            for (int d = 0; d < 3; d++) Assert.Equal(gradLogL[d] / -2, grad[d], 6); // ∂/∂log λ = −½ ∂/∂log ℓ
            Assert.Equal(c.GetProperty("grad_log_s").GetDouble(), grad[3], 6);
            Assert.Equal(c.GetProperty("grad_log_noise").GetDouble(), grad[4], 6);
            // Central differences in log σ² as a second, library-free check.
            const double e = 1e-5;
            double up = GaussianProcess.LogMarginalLikelihoodAt(x, y, h with { Noise = h.Noise * Math.Exp(e) });
            double down = GaussianProcess.LogMarginalLikelihoodAt(x, y, h with { Noise = h.Noise * Math.Exp(-e) });
            Assert.Equal((up - down) / (2 * e), grad[4], 5);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ClosedFormFitObjectiveMatchesAutogradAndFiniteDifferences(bool fitNoise)
    {
        // The fit runs on arrays; the autograd version is the one checked against scikit-learn above.
        var random = new Random(3);
        var x = Enumerable.Range(0, 25).Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble()).ToArray()).ToList();
        if (fitNoise) x.Add((double[])x[0].Clone()); // a repeated point: zero distance on an off-diagonal
        var y = x.Select(r => Math.Sin(6 * r[0]) + r[1] * r[2] + 0.1 * random.NextDouble()).ToArray();
        var theta = fitNoise ? new[] { 0.5, -1.0, 1.5, 0.2, 0.3, Math.Log(1e-2) } : new[] { 0.5, -1.0, 1.5, 0.2, 0.3 };
        var ((value, gradient), (arraysValue, arraysGradient)) = GaussianProcess.FitObjectiveBothWays([.. x], y, theta, fitNoise, 1e-6);
        Assert.Equal(value, arraysValue, 1e-9 * Math.Abs(value));
        for (int i = 0; i < theta.Length; i++)
        {
            Assert.Equal(gradient[i], arraysGradient[i], 1e-7 * (1 + Math.Abs(gradient[i])));
            const double e = 1e-5;
            var up = (double[])theta.Clone(); up[i] += e;
            var down = (double[])theta.Clone(); down[i] -= e;
            double difference = (GaussianProcess.FitObjectiveBothWays([.. x], y, up, fitNoise, 1e-6).Arrays.Item1
                - GaussianProcess.FitObjectiveBothWays([.. x], y, down, fitNoise, 1e-6).Arrays.Item1) / (2 * e);
            Assert.Equal(difference, arraysGradient[i], 1e-4 * (1 + Math.Abs(difference)));
        }
    }

    [Fact]
    public void NoiselessPosteriorInterpolatesTheTrainingPoints()
    {
        var x = Rows("x"); var y = Values(Sklearn.GetProperty("y"));
        using var gp = GaussianProcess.WithHyperparameters(x, y, new GpHyperparameters([0.4, 0.4, 0.4], 1.0, 1e-10));
        var (mean, std) = gp.Predict(x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(y[i], mean[i], 5);
            Assert.True(std[i] < 1e-3, $"std at training point {i} is {std[i]}");
        }
    }

    [Fact]
    public void FittingRecoversTheLengthScaleOrderingOfAnAnisotropicFunction()
    {
        // f varies fast in x0 and not at all in x1: the fitted ℓ0 must be much shorter than ℓ1.
        var random = new Random(1);
        var x = Enumerable.Range(0, 30).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray();
        var y = x.Select(r => Math.Sin(8 * r[0])).ToArray();
        using var gp = GaussianProcess.Fit(x, y, new GpFitOptions { Deterministic = true });
        Assert.True(gp.Hyperparameters.LengthScales[0] * 5 < gp.Hyperparameters.LengthScales[1],
            $"length scales {string.Join(", ", gp.Hyperparameters.LengthScales)}");
        var (mean, _) = gp.Predict([[0.5, 0.5]]);
        Assert.Equal(Math.Sin(4), mean[0], 2);
    }

    [Fact]
    public void DuplicatedInputsFactoriseThanksToJitter()
    {
        var x = new[] { new[] { 0.5 }, new[] { 0.5 }, new[] { 0.2 } };
        using var gp = GaussianProcess.WithHyperparameters(x, [1.0, 1.0, 0.0], new GpHyperparameters([0.3], 1, 0));
        Assert.True(gp.JitterUsed > 0);
        Assert.Equal(1.0, gp.Predict([[0.5]]).Mean[0], 4);
    }

    [Fact]
    public void LogHMatchesFiftyDigitArithmeticIncludingTheFarTail()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/log_ei_mpmath.json"))).RootElement;
        var z = Values(doc.GetProperty("z")); var expected = Values(doc.GetProperty("log_h"));
        var actual = GaussianProcess.LogH(torch.tensor(z, torch.float64)).data<double>().ToArray();
        for (int i = 0; i < z.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-7 * Math.Max(1, Math.Abs(expected[i])), $"z={z[i]}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void LogHSlopeMatchesFiftyDigitArithmeticIncludingTheFarTail()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/log_ei_mpmath.json"))).RootElement;
        var z = Values(doc.GetProperty("z")); var expected = Values(doc.GetProperty("log_h_slope"));
        var actual = GaussianProcess.LogHWithSlope(torch.tensor(z, torch.float64)).Slope.data<double>().ToArray();
        for (int i = 0; i < z.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-7 * Math.Max(1, Math.Abs(expected[i])), $"z={z[i]}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void NormalLogCdfAndLogMassMatchFiftyDigitArithmeticInBothTails()
    {
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests/NotebookKit.Tests/Tuning/References/log_ei_mpmath.json"))).RootElement;
        var z = Values(doc.GetProperty("z")); var logCdf = Values(doc.GetProperty("log_cdf"));
        var actual = StandardNormal.LogCdf(torch.tensor(z, torch.float64)).data<double>().ToArray();
        for (int i = 0; i < z.Length; i++)
            Assert.True(Math.Abs(actual[i] - logCdf[i]) <= 1e-9 * Math.Max(1e-6, Math.Abs(logCdf[i])), $"log Φ({z[i]}): {actual[i]} vs {logCdf[i]}");
        var intervals = doc.GetProperty("intervals").EnumerateArray().Select(Values).ToArray(); var logMass = Values(doc.GetProperty("log_mass"));
        var mass = StandardNormal.LogMass(torch.tensor(intervals.Select(p => p[0]).ToArray(), torch.float64), torch.tensor(intervals.Select(p => p[1]).ToArray(), torch.float64))
            .data<double>().ToArray();
        for (int i = 0; i < intervals.Length; i++)
            Assert.True(Math.Abs(mass[i] - logMass[i]) <= 1e-8 * Math.Max(1, Math.Abs(logMass[i])), $"[{intervals[i][0]}, {intervals[i][1]}]: {mass[i]} vs {logMass[i]}");
        // An empty interval has no mass.
        Assert.Equal(double.NegativeInfinity, StandardNormal.LogMass(torch.tensor(new[] { 0.5 }, torch.float64), torch.tensor(new[] { 0.5 }, torch.float64)).item<double>());
    }

    [Theory]
    [InlineData(-0.5, false)] // incumbent near the data: z mostly in (−3, 3)
    [InlineData(-40.0, false)] // far below every prediction: z < −3, the continued-fraction tail
    [InlineData(-0.5, true)] // no noise, queried exactly at a training point: σ² is clamped and its gradient masked
    public void LogEiGradientMatchesAutogradAndFiniteDifferences(double best, bool noiseFree)
    {
        var c = Sklearn.GetProperty("cases")[0];
        var x = Rows("x");
        var hyper = noiseFree ? Hyper(c) with { Noise = 0 } : Hyper(c);
        using var gp = GaussianProcess.WithHyperparameters(x, Values(Sklearn.GetProperty("y")), hyper);
        // Query points: the fixture's, one a hair from a training point (σ → 0), one far outside the data and,
        // without noise, a training point itself.
        var queries = Rows("xq").Append(x[3].Select(v => v + 1e-4).ToArray()).Append([1.7, -0.4, 2.2]).ToArray();
        if (noiseFree) queries = [.. queries, x[5]];
        using var scope = torch.NewDisposeScope();
        var (value, gradient) = gp.LogEiAndGradientStandardised(gp.ToTensor(queries), best);
        var g = gradient.data<double>().ToArray();

        var xq = gp.ToTensor(queries).requires_grad_(true);
        var reference = gp.LogEiStandardised(xq, best);
        reference.sum().backward();
        var autograd = xq.grad!.data<double>().ToArray();
        var values = value.data<double>().ToArray();
        var referenceValues = reference.detach().data<double>().ToArray();
        for (int i = 0; i < queries.Length; i++)
        {
            // Without noise K is ill-conditioned: the mean at a training point carries ~1e-12 of rounding, and σ is clamped to 1e-6.
            double valueTolerance = noiseFree ? 1e-7 : 1e-12;
            Assert.True(Math.Abs(referenceValues[i] - values[i]) <= valueTolerance * Math.Max(1, Math.Abs(referenceValues[i])), $"query {i}: {values[i]} vs {referenceValues[i]}");
            for (int j = 0; j < 3; j++)
            {
                double a = autograd[i * 3 + j], h = g[i * 3 + j];
                Assert.True(Math.Abs(a - h) <= 1e-7 * Math.Max(1, Math.Abs(a)), $"query {i}, dim {j}: closed form {h} vs autograd {a}");
                if (noiseFree && i == queries.Length - 1) continue; // σ is clamped there: log EI has a kink, not a derivative
                // Central differences of the public log EI (WithHyperparameters does not standardise: same scale).
                const double step = 1e-6;
                var plus = queries[i].ToArray(); plus[j] += step;
                var minus = queries[i].ToArray(); minus[j] -= step;
                var f = gp.LogExpectedImprovement([plus, minus], best);
                double numeric = (f[0] - f[1]) / (2 * step);
                Assert.True(Math.Abs(numeric - h) <= 1e-4 * Math.Max(1, Math.Abs(h)), $"query {i}, dim {j}: closed form {h} vs finite difference {numeric}");
            }
        }
    }

    [Fact]
    public void FittingWorksInsideANoGradBlock()
    {
        // A notebook may call Fit inside torch.no_grad(); the likelihood's gradients must still be there.
        using var _ = torch.no_grad();
        var x = Enumerable.Range(0, 12).Select(i => new[] { i / 11.0 }).ToArray();
        using var gp = GaussianProcess.Fit(x, x.Select(r => Math.Sin(6 * r[0])).ToArray(), new GpFitOptions { Deterministic = true });
        Assert.Equal(Math.Sin(6 * x[5][0]), gp.Predict([x[5]]).Mean[0], 3);
        Assert.False(torch.is_grad_enabled());
    }

    [Fact]
    public void BadInputsAreRejectedWithAClearMessage()
    {
        Assert.Throws<ArgumentException>(() => GaussianProcess.Fit([[0.1], [0.2]], [1.0]));
        var e = Assert.Throws<ArgumentException>(() => GaussianProcess.Fit([[0.1], [0.2]], [1.0, double.NaN]));
        Assert.Contains("finite", e.Message);
        Assert.Throws<ArgumentException>(() => GaussianProcess.WithHyperparameters([[0.1]], [1.0], new GpHyperparameters([-1], 1, 0)));
    }
}
