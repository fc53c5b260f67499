using NotebookKit.Display;
using NotebookKit.Tuning;

namespace NotebookKit.Tests.Tuning;

public class StudyPlotsTests
{
    static Study Finished()
    {
        var study = Study.Create(sampler: new RandomSampler(0));
        // Only x matters: y is noise-free but contributes nothing.
        study.Optimize(t => Math.Pow(t.SuggestFloat("x", 0, 1) - 0.3, 2) + 0 * t.SuggestFloat("y", 1e-3, 1, log: true)
            + (t.SuggestCategorical("c", "a", "b") == "a" ? 0 : 0), nTrials: 25);
        return study;
    }

    [Fact]
    public void BestSoFarLineNeverGetsWorse()
    {
        var figure = StudyPlots.OptimizationHistory(Finished());
        var best = (double[])((Scatter)figure.Data[1]).Y!;
        for (int i = 1; i < best.Length; i++) Assert.True(best[i] <= best[i - 1]);
    }

    [Fact]
    public void ImportancesSumToOneAndRankTheParameterThatMattersFirst()
    {
        var importances = ParameterImportance.Evaluate(Finished());
        Assert.Equal(1.0, importances.Values.Sum(), 9);
        Assert.Equal("x", importances.First().Key);
    }

    [Fact]
    public void ContourRefusesCategoricalAxesAndParallelCoordinatesHasAnAxisPerParameterPlusObjective()
    {
        var study = Finished();
        Assert.Throws<ArgumentException>(() => StudyPlots.Contour(study, "x", "c"));
        var contour = StudyPlots.Contour(study, "x", "y", resolution: 10);
        Assert.Equal("log", contour.Layout.YAxis!.Type);
        var parcoords = (Parcoords)StudyPlots.ParallelCoordinates(study).Data[0];
        Assert.Equal(new[] { "c", "x", "log10 y", "objective" }, parcoords.Dimensions.Select(d => d.Label));
    }

    [Fact]
    public void TpeDensitiesIntegrateToOneAndLPeaksAmongTheGoodTrials()
    {
        var study = Study.Create(sampler: new TpeSampler(seed: 3));
        study.Optimize(t => Math.Pow(t.SuggestFloat("x", -2, 2) - 0.7, 2), nTrials: 30);
        var figure = StudyPlots.TpeDensities1D(study, "x", points: 2001);
        var xs = (double[])((Scatter)figure.Data[0]).X!;
        double Area(int trace, double from, double to)
        {
            var density = (double[])((Scatter)figure.Data[trace]).Y!;
            return Enumerable.Range(1, xs.Length - 1).Where(k => xs[k - 1] >= from && xs[k] <= to)
                .Sum(k => (xs[k] - xs[k - 1]) * (density[k] + density[k - 1]) / 2);
        }
        Assert.True(Math.Abs(Area(0, -2, 2) - 1) < 1e-3, $"l integrates to {Area(0, -2, 2)}");
        Assert.True(Math.Abs(Area(1, -2, 2) - 1) < 1e-3, $"g integrates to {Area(1, -2, 2)}");
        var good = (double[])((Scatter)figure.Data[2]).X!;
        Assert.Equal(TpeSampler.DefaultGamma(30), good.Length);
        Assert.Equal(study.GetTrials().Count, good.Length + ((double[])((Scatter)figure.Data[3]).X!).Length);
        // l peaks among the good trials (its bandwidths are wide with 3 of them: magic clip keeps σ ≥ range/5),
        // and there it is above g.
        var l = (double[])((Scatter)figure.Data[0]).Y!; var g = (double[])((Scatter)figure.Data[1]).Y!;
        int mode = Array.IndexOf(l, l.Max());
        Assert.InRange(xs[mode], good.Min() - 0.2, good.Max() + 0.2);
        Assert.True(l[mode] > g[mode], $"at l's mode {xs[mode]}: l {l[mode]}, g {g[mode]}");
        var drawn = (double[])((Scatter)figure.Data[5]).Y!;
        Assert.Equal(drawn.Max(), ((double[])((Scatter)figure.Data[6]).Y!)[0]);
        Assert.Throws<ArgumentException>(() => StudyPlots.TpeDensities1D(study, "y"));
    }
}
