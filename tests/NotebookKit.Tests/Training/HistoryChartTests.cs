using NotebookKit.Training;

namespace NotebookKit.Tests.Training;

public class HistoryChartTests
{
    static History Run(params double[] validationLosses)
    {
        var h = new History();
        for (int i = 0; i < validationLosses.Length; i++)
            h.Epochs.Add(new EpochRecord(i + 1, 1.0, validationLosses[i], new Dictionary<string, double>(), 1e-3, 0.1));
        return h;
    }

    [Fact]
    public void CompareValidationLoss_zooms_a_log_axis_past_the_first_epochs_and_stars_each_lowest_point()
    {
        var figure = History.CompareValidationLoss([("a", Run(2.3, 1.0, 0.5, 0.20, 0.18, 0.21)), ("b", Run(2.3, 0.9, 0.4, 0.19, 0.17, 0.25))]);
        Assert.Equal("log", figure.Layout.YAxis!.Type);
        // From epoch 4 on the losses span 0.17 to 0.25: the range (log10 units) covers them and not the 2.3 of epoch 1.
        var range = figure.Layout.YAxis.Range!;
        Assert.InRange(range[0], Math.Log10(0.17) - 0.1, Math.Log10(0.17));
        Assert.InRange(range[1], Math.Log10(0.25), Math.Log10(0.25) + 0.1);
        Assert.Equal(new[] { 3.5, 6.5 }, figure.Layout.XAxis!.Range);
        var stars = figure.Data.OfType<NotebookKit.Display.Scatter>().Where(s => s.Mode == "markers").ToArray();
        Assert.Equal(new[] { 0.18, 0.17 }, stars.Select(s => ((double[])s.Y!)[0]));
    }

    [Fact]
    public void CompareValidationLoss_refuses_a_run_without_validation_loss()
    {
        var noValidation = new History();
        noValidation.Epochs.Add(new EpochRecord(1, 1.0, null, new Dictionary<string, double>(), 1e-3, 0.1));
        var e = Assert.Throws<ArgumentException>(() => History.CompareValidationLoss([("a", noValidation)]));
        Assert.Contains("validation loss", e.Message);
    }
}
