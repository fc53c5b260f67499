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
        // Random trials: the plot is tested, not TPE's path (a converged TPE study puts "other" trials beside the good ones).
        var study = Study.Create(sampler: new RandomSampler(3));
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
        // The numbers behind the chart: the same proposal, and the ratio the lower panel draws.
        var (proposal, logRatio, nGood, nOther) = StudyPlots.TpeProposal1D(study, "x");
        Assert.Equal(((double[])((Scatter)figure.Data[6]).X!)[0], proposal);
        Assert.Equal(drawn.Max(), logRatio(proposal), 9);
        Assert.Equal((good.Length, 30 - good.Length), (nGood, nOther));
        Assert.Throws<ArgumentException>(() => StudyPlots.TpeDensities1D(study, "y"));
    }

    [Fact]
    public void IntermediateValuesDrawsOneReportTrialsAsMarkersWithOneLegendEntryPerKind()
    {
        var study = Study.Create(pruner: new SuccessiveHalvingPruner(minResource: 1, reductionFactor: 3), sampler: new RandomSampler(1));
        study.Optimize(t =>
        {
            double x = t.SuggestFloat("x", 0, 1);
            for (int step = 1; step <= 9; step++)
            {
                t.Report(x / step, step);
                if (t.ShouldPrune()) throw new TrialPrunedException();
            }
            return x / 9;
        }, nTrials: 30);
        var trials = study.GetTrials();
        int once = trials.Count(t => t.State == TrialState.Pruned && t.IntermediateValues.Count == 1);
        Assert.True(once > 0, "the study should prune some trials at their first report");
        var figure = StudyPlots.IntermediateValues(study);
        Assert.DoesNotContain("showLegend", figure.ToJson()); // plotly reads only "showlegend"
        var traces = figure.Data.Cast<Scatter>().ToArray();
        Assert.Equal(trials.Count, traces.Length);
        Assert.Equal(once, traces.Count(t => t.Mode == "markers"));
        var legend = traces.Where(t => t.Extra["showlegend"] is true).Select(t => t.Name).ToArray();
        Assert.Equal(3, legend.Length);
        Assert.Contains($"pruned at first report ({once})", legend);
        Assert.Equal(1L, figure.Layout.XAxis!.Extra["dtick"]); // steps 1-9: a tick at every whole step, none at 1.5
    }

    [Fact]
    public void GpPosteriorClipsTheLogEiAxisToAWindowBelowItsMaximum()
    {
        var u = new[] { 0.1, 0.4, 0.7, 0.95 };
        var y = u.Select(v => Math.Sin(6 * v)).ToArray();
        using var gp = GaussianProcess.Fit(u.Select(v => new[] { v }).ToArray(), y, new GpFitOptions { Deterministic = true });
        var figure = StudyPlots.GpPosterior1D(gp, u, y, y.Min(), logEiWindow: 20);
        var logEi = (double[])((Scatter)figure.Data.Single(t => t.Name == "log EI")).Y!;
        Assert.True(logEi.Min() < logEi.Max() - 100, "next to deterministic observations log EI should plunge");
        var range = (double[])figure.Layout.Extra["yaxis2"]!.GetType().GetProperty("range")!.GetValue(figure.Layout.Extra["yaxis2"])!;
        Assert.InRange(range[0], logEi.Max() - 22, logEi.Max() - 20);
        Assert.True(range[1] > logEi.Max());
    }

    [Fact]
    public void MedianRegretIsTheMedianOverStudiesOfTheBestSoFarAboveTheMinimum()
    {
        Study Run(params double[] values)
        {
            var study = Study.Create();
            foreach (var v in values) study.Enqueue(new Dictionary<string, object?> { ["x"] = v });
            study.Optimize(t => t.SuggestFloat("x", 0, 5), nTrials: values.Length);
            return study;
        }
        // Best so far 3, 1, 1 and 2, 2, 0 above a minimum of 0: medians 2.5, 1.5, 0.5 (worked by hand).
        Assert.Equal(new[] { 2.5, 1.5, 0.5 }, StudyPlots.MedianRegret([Run(3, 1, 2), Run(2, 2, 0)], 0));
        Assert.Throws<ArgumentException>(() => StudyPlots.MedianRegret([Run(3, 1), Run(2)], 0));
    }
}
