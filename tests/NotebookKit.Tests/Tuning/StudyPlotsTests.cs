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
}
