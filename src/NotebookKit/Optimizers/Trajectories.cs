using NotebookKit.Display;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Optimizers;

/// <summary>A 2-D test function f(x, y) with its usual plotting window, start point and minimum.</summary>
public sealed record TestFunction(string Name, Func<Tensor, Tensor, Tensor> F, (double Min, double Max) XRange, (double Min, double Max) YRange,
    (double X, double Y) Start, (double X, double Y) Minimum)
{
    public double At(double x, double y)
    {
        using var scope = NewDisposeScope();
        return F(tensor(x, ScalarType.Float64), tensor(y, ScalarType.Float64)).item<double>();
    }

    /// <summary>Rosenbrock: f = (1 - x)² + 100 (y - x²)², a curved valley with its minimum 0 at (1, 1).</summary>
    public static TestFunction Rosenbrock { get; } = new("Rosenbrock", (x, y) => (1 - x).square() + 100 * (y - x.square()).square(),
        (-2, 2), (-1, 3), (-1.5, 2.5), (1, 1));

    /// <summary>Beale: f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)², minimum 0 at (3, 0.5).</summary>
    public static TestFunction Beale { get; } = new("Beale",
        (x, y) => (1.5 - x + x * y).square() + (2.25 - x + x * y.square()).square() + (2.625 - x + x * y.pow(3)).square(),
        (-4.5, 4.5), (-4.5, 4.5), (1, 1.5), (3, 0.5));

    /// <summary>A narrow valley: f = x² / 20 + 5 y², an ill-conditioned quadratic (curvatures 0.1 and 10) with its minimum 0 at the origin.</summary>
    public static TestFunction NarrowValley { get; } = new("narrow valley", (x, y) => x.square() / 20 + 5 * y.square(),
        (-10, 10), (-3, 3), (-9, 2), (0, 0));
}

/// <summary>The points an optimizer visits on a test function.</summary>
public sealed record Trajectory(string Name, double[] X, double[] Y, double[] Value)
{
    public double FinalValue => Value[^1];
    public double FinalDistance(TestFunction f) => Math.Sqrt(Math.Pow(X[^1] - f.Minimum.X, 2) + Math.Pow(Y[^1] - f.Minimum.Y, 2));
    /// <summary>The first step at which f is below <paramref name="target"/> (0 = the start), or null if never.</summary>
    public int? StepsTo(double target)
    {
        int i = Array.FindIndex(Value, v => v < target);
        return i < 0 ? null : i;
    }
    /// <summary>Mean distance moved per step over the last <paramref name="fraction"/> of the run.</summary>
    public double LateStepLength(double fraction = 0.1)
    {
        int n = X.Length - 1, from = Math.Max(0, n - Math.Max(1, (int)(n * fraction)));
        return n < 1 ? 0 : Enumerable.Range(from, n - from).Average(i => Math.Sqrt(Math.Pow(X[i + 1] - X[i], 2) + Math.Pow(Y[i + 1] - Y[i], 2)));
    }
}

/// <summary>Several optimizers' paths on one test function (03-optimizers).</summary>
public sealed record Race(TestFunction Function, IReadOnlyList<Trajectory> Runs)
{
    public Trajectory this[string name] => Runs.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"No run named '{name}'.");
    public Figure Plot() => Trajectories.Plot(Function, Runs);
}

/// <summary>Runs optimizers on 2-D test functions and draws their paths over a contour plot (03-optimizers).</summary>
public static class Trajectories
{
    /// <summary>Starting from the function's start point, takes <paramref name="steps"/> optimizer steps on the single 2-vector parameter (float64).</summary>
    public static Trajectory Run(string name, TestFunction function, Func<IEnumerable<Parameter>, IParameterOptimizer> optimizer, int steps = 200)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be at least 1.");
        var point = new Parameter(tensor(new[] { function.Start.X, function.Start.Y }, ScalarType.Float64));
        var opt = optimizer([point]);
        var xs = new List<double>(); var ys = new List<double>(); var values = new List<double>();
        for (int step = 0; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            opt.ZeroGrad();
            var value = function.F(point[0], point[1]);
            var coordinates = point.detach().data<double>().ToArray();
            xs.Add(coordinates[0]); ys.Add(coordinates[1]); values.Add(value.item<double>());
            if (step == steps || !double.IsFinite(values[^1])) break;
            value.backward();
            opt.Step();
        }
        return new Trajectory(name, xs.ToArray(), ys.ToArray(), values.ToArray());
    }

    static readonly string[] Palette = ["#e41a1c", "#ff7f00", "#f781bf", "#00bfff", "#ffff33", "#a65628", "#984ea3", "#4daf4a"];
    static readonly string[] Dashes = ["solid", "dash", "dot", "dashdot", "longdash", "solid"];
    static readonly string[] Symbols = ["circle", "square", "diamond", "triangle-up", "x", "cross"];

    /// <summary>Runs every optimizer of <paramref name="lineup"/> from the function's start for <paramref name="steps"/> steps.</summary>
    public static Race Race(TestFunction function, IEnumerable<(string Name, Func<IEnumerable<Parameter>, IParameterOptimizer> Make)> lineup, int steps) =>
        new(function, lineup.Select(o => Run(o.Name, function, o.Make, steps)).ToArray());

    /// <summary>
    /// One row per (function, optimizer): final f, distance to the minimum, the first step with f below
    /// <paramref name="target"/>, and the mean step length over the last tenth of the run (how much it still moves).
    /// </summary>
    public static HtmlTable Table(IEnumerable<Race> races, double target = 1e-6)
    {
        var table = new HtmlTable(["function", "optimizer", "final f", "distance to minimum", $"first step with f < {target:g2}", "mean step, last 10%"]);
        foreach (var race in races)
            foreach (var t in race.Runs)
                table.AddRow(race.Function.Name, t.Name, t.FinalValue, t.FinalDistance(race.Function), t.StepsTo(target)?.ToString() ?? "never", t.LateStepLength());
        return table;
    }

    /// <summary>Contours of log(1 + f) (so valleys stay visible) on a grid, with each trajectory as a line and the minimum as a star.</summary>
    public static Figure Plot(TestFunction function, IEnumerable<Trajectory> trajectories, int resolution = 120)
    {
        var gx = Enumerable.Range(0, resolution).Select(i => function.XRange.Min + (function.XRange.Max - function.XRange.Min) * i / (resolution - 1)).ToArray();
        var gy = Enumerable.Range(0, resolution).Select(i => function.YRange.Min + (function.YRange.Max - function.YRange.Min) * i / (resolution - 1)).ToArray();
        double[][] z;
        using (var scope = NewDisposeScope())
        {
            var mx = tensor(gx).unsqueeze(0).expand(resolution, resolution);
            var my = tensor(gy).unsqueeze(1).expand(resolution, resolution);
            var values = function.F(mx, my).log1p().contiguous().data<double>().ToArray();
            z = Enumerable.Range(0, resolution).Select(i => values.AsSpan(i * resolution, resolution).ToArray()).ToArray();
        }
        var figure = new Figure(new Contour { X = gx, Y = gy, Z = z, Colorscale = "Viridis", Ncontours = 30, Showscale = false, Name = "log(1 + f)" })
            .WithTitle($"{function.Name}: optimizer paths", "x", "y");
        // Paths often share a valley floor, so each gets its own colour and dash, and a large marker where it ends.
        int k = 0;
        foreach (var t in trajectories)
        {
            // Clip to the window so a diverging path does not rescale the axes.
            var inside = Enumerable.Range(0, t.X.Length).TakeWhile(i => double.IsFinite(t.X[i]) && double.IsFinite(t.Y[i])
                && t.X[i] >= function.XRange.Min - 1 && t.X[i] <= function.XRange.Max + 1 && t.Y[i] >= function.YRange.Min - 1 && t.Y[i] <= function.YRange.Max + 1).ToArray();
            string color = Palette[k % Palette.Length], dash = Dashes[k % Dashes.Length];
            var xs = inside.Select(i => t.X[i]).ToArray(); var ys = inside.Select(i => t.Y[i]).ToArray();
            figure.Add(new Scatter { X = xs, Y = ys, Name = t.Name, Mode = "lines", Line = new Line { Color = color, Dash = dash, Width = 2.5 } });
            if (xs.Length > 0)
            {
                var end = new Scatter { X = new[] { xs[^1] }, Y = new[] { ys[^1] }, Name = t.Name + " (end)", Mode = "markers",
                    Marker = new Marker { Size = 11, Color = color, Symbol = Symbols[k % Symbols.Length] } };
                end.Extra["showlegend"] = false;   // plotly's own spelling; the end marker shares the path's legend entry
                figure.Add(end);
            }
            k++;
        }
        figure.Add(new Scatter { X = new[] { function.Minimum.X }, Y = new[] { function.Minimum.Y }, Name = "minimum", Mode = "markers",
            Marker = new Marker { Size = 14, Color = "white", Symbol = "star" } });
        figure.Layout.XAxis!.Range = [function.XRange.Min, function.XRange.Max];
        figure.Layout.YAxis!.Range = [function.YRange.Min, function.YRange.Max];
        return figure;
    }
}
