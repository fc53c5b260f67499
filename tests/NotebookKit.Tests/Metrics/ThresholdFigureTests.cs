using NotebookKit.Display;
using NotebookKit.Metrics;

namespace NotebookKit.Tests.Metrics;

public class ThresholdFigureTests
{
    [Fact]
    public void Marks_sit_on_the_F1_curve_and_the_y_axis_is_zoomed_to_the_values_shown()
    {
        var rows = new[]
        {
            new ThresholdChoice("grid", 0.1, 0.90, 1.00, 0.947, 0.1),
            new ThresholdChoice("grid", 0.5, 0.95, 0.95, 0.950, 0.05),
            new ThresholdChoice("grid", 0.9, 1.00, 0.85, 0.919, 0.0),
        };
        var sameThreshold = new[] { new ThresholdChoice("a", 0.5, 0.95, 0.95, 0.95, 0.05), new ThresholdChoice("b", 0.5, 0.95, 0.95, 0.95, 0.05) };
        var figure = new ThresholdSweep(rows).ToFigure(sameThreshold);
        var marks = figure.Data.OfType<Scatter>().Where(s => s.Mode == "markers").ToArray();
        Assert.Equal(2, marks.Length);
        Assert.All(marks, m => Assert.Equal(0.95, ((double[])m.Y!)[0]));
        // Marks at the same threshold stay distinguishable: different symbols and sizes.
        Assert.NotEqual(marks[0].Marker!.Symbol, marks[1].Marker!.Symbol);
        Assert.NotEqual(marks[0].Marker!.Size, marks[1].Marker!.Size);
        var y = figure.Layout.YAxis!.Range!;
        Assert.InRange(y[0], 0.8, 0.85);   // below the lowest value shown (0.85), far above 0
        Assert.True(y[1] >= 1.0);
        // The dotted guide lines stay out of the legend: plotly.js reads "showlegend", in lower case.
        Assert.Contains("\"showlegend\":false", figure.ToJson());
    }
}
