using System.Globalization;
using NotebookKit.Display;

namespace NotebookKit.Tuning;

/// <summary>Plotly views of a study, as Optuna's visualisation module: each reads finished trials and returns a Figure.</summary>
public static class StudyPlots
{
    static double Num(FrozenTrial t, string name) => Convert.ToDouble(t.Distributions[name].ToExternal(t.InternalParams[name]), CultureInfo.InvariantCulture);
    static bool IsLog(Distribution d) => d is FloatDistribution { Log: true } or IntDistribution { Log: true };

    /// <summary>Objective value per trial (markers) and the best value so far (line).</summary>
    public static Figure OptimizationHistory(Study study, string title = "Optimisation history")
    {
        var trials = study.GetTrials(TrialState.Complete);
        var best = new List<double>();
        foreach (var t in trials) best.Add(best.Count == 0 || study.IsBetter(t.Value!.Value, best[^1]) ? t.Value!.Value : best[^1]);
        return new Figure(
                new Scatter { X = trials.Select(t => t.Number).ToArray(), Y = trials.Select(t => t.Value).ToArray(), Mode = "markers", Name = "objective value" },
                new Scatter { X = trials.Select(t => t.Number).ToArray(), Y = best.ToArray(), Mode = "lines", Name = "best so far", Line = new Line { Shape = "hv" } })
            .WithTitle(title, "trial", "objective value");
    }

    /// <summary>Best-so-far curves of several studies (e.g. samplers) on one chart, optionally as regret above a known optimum.</summary>
    public static Figure CompareHistories(IReadOnlyDictionary<string, IReadOnlyList<double>> bestSoFar, string title, bool logY = false)
    {
        var figure = new Figure().WithTitle(title, "trial", logY ? "regret (log scale)" : "best value");
        foreach (var (name, curve) in bestSoFar)
            figure.Add(new Scatter { X = Enumerable.Range(1, curve.Count).ToArray(), Y = curve.ToArray(), Name = name, Mode = "lines" });
        if (logY) figure.Layout.YAxis!.Type = "log";
        return figure;
    }

    /// <summary>
    /// The median over <paramref name="studies"/> (e.g. seeds of one sampler on a minimisation problem) of the simple
    /// regret after each trial: best value so far minus <paramref name="minimum"/>. Every study needs the same number
    /// of completed trials; this is the curve <see cref="CompareHistories"/> draws with <c>logY</c>.
    /// </summary>
    public static double[] MedianRegret(IEnumerable<Study> studies, double minimum)
    {
        var curves = studies.Select(s =>
        {
            if (s.Direction != StudyDirection.Minimize) throw new ArgumentException($"Study '{s.Name}' maximises; regret needs minimisation.");
            double best = double.PositiveInfinity;
            return s.GetTrials(TrialState.Complete).Select(t => (best = Math.Min(best, t.Value!.Value)) - minimum).ToArray();
        }).ToArray();
        if (curves.Length == 0) throw new ArgumentException("Need at least one study.", nameof(studies));
        if (curves.Any(c => c.Length != curves[0].Length))
            throw new ArgumentException("Every study needs the same number of completed trials.", nameof(studies));
        return Enumerable.Range(0, curves[0].Length)
            .Select(i => Metrics.Score.Percentiles(curves.Select(c => c[i]).ToArray(), [50])[0]).ToArray();
    }

    /// <summary>One axis per parameter plus the objective; categoricals get their choices as tick labels, log parameters log10.</summary>
    public static Figure ParallelCoordinates(Study study, string title = "Parallel coordinates")
    {
        var trials = study.GetTrials(TrialState.Complete);
        var space = SearchSpace.Intersection(trials);
        var trace = new Parcoords { Line = new { color = trials.Select(t => t.Value).ToArray(), colorscale = "Viridis", showscale = true, reversescale = study.Direction == StudyDirection.Minimize } };
        foreach (var (name, d) in space)
        {
            if (d is CategoricalDistribution c)
                trace.Dimensions.Add(new ParcoordsDimension
                {
                    Label = name, Values = trials.Select(t => t.InternalParams[name]).ToArray(),
                    Tickvals = Enumerable.Range(0, c.Choices.Count).ToArray(), Ticktext = c.Choices.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)).ToArray(),
                });
            else
                trace.Dimensions.Add(new ParcoordsDimension
                {
                    Label = IsLog(d) ? $"log10 {name}" : name,
                    Values = trials.Select(t => IsLog(d) ? Math.Log10(Num(t, name)) : Num(t, name)).ToArray(),
                });
        }
        trace.Dimensions.Add(new ParcoordsDimension { Label = "objective", Values = trials.Select(t => t.Value).ToArray() });
        return new Figure(trace).WithTitle(title);
    }

    /// <summary>Objective against each numeric or categorical parameter, one panel per parameter.</summary>
    public static Figure Slice(Study study, string title = "Slice plot")
    {
        var trials = study.GetTrials(TrialState.Complete);
        var space = SearchSpace.Intersection(trials);
        var figure = new Figure().WithTitle(title);
        int k = 0;
        foreach (var (name, d) in space)
        {
            k++;
            string suffix = k == 1 ? "" : k.ToString(CultureInfo.InvariantCulture);
            figure.Add(new Scatter
            {
                X = trials.Select(t => d is CategoricalDistribution ? (object)Convert.ToString(d.ToExternal(t.InternalParams[name]), CultureInfo.InvariantCulture)! : Num(t, name)).ToArray(),
                Y = trials.Select(t => t.Value).ToArray(), Mode = "markers", Name = name,
                Marker = new Marker { Color = trials.Select(t => t.Number).ToArray(), Colorscale = "Blues", Showscale = k == 1 },
                Extra = { ["xaxis"] = "x" + suffix, ["yaxis"] = "y" + suffix },
            });
            figure.Layout.Extra["xaxis" + suffix] = new Dictionary<string, object?> { ["title"] = new { text = name }, ["type"] = IsLog(d) ? "log" : null };
        }
        figure.Layout.Extra["grid"] = new { rows = 1, columns = Math.Max(k, 1), pattern = "independent" };
        figure.Layout.Extra["showlegend"] = false;
        return figure;
    }

    /// <summary>
    /// Surrogate contour of the objective over two numeric parameters (a GP fitted to the trials, other parameters
    /// at the best trial's values) with the trials on top.
    /// </summary>
    public static Figure Contour(Study study, string xParam, string yParam, int resolution = 40, string? title = null)
    {
        var trials = study.GetTrials(TrialState.Complete);
        var space = SearchSpace.Intersection(trials);
        foreach (var p in new[] { xParam, yParam })
            if (!space.TryGetValue(p, out var d) || d is not NumericDistribution)
                throw new ArgumentException($"'{p}' is not a numeric parameter shared by the completed trials.");
        var encoding = new SpaceEncoding(space);
        var x = trials.Select(t => encoding.Encode(t.InternalParams)).ToArray();
        using var gp = GaussianProcess.Fit(x, trials.Select(t => t.Value!.Value).ToArray());
        var best = encoding.Encode(study.BestTrial.InternalParams);
        int ix = encoding.Names.ToList().IndexOf(xParam), iy = encoding.Names.ToList().IndexOf(yParam);
        // Column index of a numeric parameter = its position among encoded columns.
        int cx = ColumnIndex(encoding, space, xParam), cy = ColumnIndex(encoding, space, yParam);
        var dx = (NumericDistribution)space[xParam]; var dy = (NumericDistribution)space[yParam];
        var grid = Enumerable.Range(0, resolution).Select(i => (i + 0.5) / resolution).ToArray();
        var queries = new List<double[]>();
        foreach (double v in grid) foreach (double u in grid) { var q = (double[])best.Clone(); q[cx] = u; q[cy] = v; queries.Add(q); }
        var mean = gp.Predict(queries.ToArray()).Mean;
        var z = Enumerable.Range(0, resolution).Select(r => mean.Skip(r * resolution).Take(resolution).ToArray()).ToArray();
        _ = (ix, iy);
        double Ext(NumericDistribution d, double u) => Convert.ToDouble(d.ToExternal(Interpolate(d, u)), CultureInfo.InvariantCulture);
        var figure = new Figure(
                new Contour { X = grid.Select(u => Ext(dx, u)).ToArray(), Y = grid.Select(u => Ext(dy, u)).ToArray(), Z = z, Colorscale = "Viridis", Name = "GP surrogate mean", Extra = { ["reversescale"] = study.Direction == StudyDirection.Maximize } },
                new Scatter { X = trials.Select(t => Num(t, xParam)).ToArray(), Y = trials.Select(t => Num(t, yParam)).ToArray(), Mode = "markers", Name = "trials", Marker = new Marker { Color = "white", Size = 6 } })
            .WithTitle(title ?? $"Contour of the objective over {xParam} and {yParam}", xParam, yParam);
        if (IsLog(dx)) figure.Layout.XAxis!.Type = "log";
        if (IsLog(dy)) figure.Layout.YAxis!.Type = "log";
        return figure;
    }

    // Continuous inverse of ToUnit (no rounding), so a contour grid is smooth even for integer parameters.
    static double Interpolate(NumericDistribution d, double u) => d switch
    {
        FloatDistribution { Log: true } f => Math.Exp(Math.Log(f.Low) + u * (Math.Log(f.High) - Math.Log(f.Low))),
        FloatDistribution f => f.Low + u * (f.High - f.Low),
        IntDistribution { Log: true } i => Math.Exp(Math.Log(i.Low - 0.5) + u * (Math.Log(i.High + 0.5) - Math.Log(i.Low - 0.5))),
        IntDistribution i => i.Low - 0.5 + u * (i.High - i.Low + 1),
        _ => u,
    };

    static int ColumnIndex(SpaceEncoding encoding, IReadOnlyDictionary<string, Distribution> space, string name)
    {
        int offset = 0;
        foreach (var n in encoding.Names)
        {
            if (n == name) return offset;
            offset += space[n] is CategoricalDistribution c ? c.Choices.Count : 1;
        }
        throw new ArgumentException($"Unknown parameter '{name}'.");
    }

    /// <summary>Bar chart of <see cref="ParameterImportance.Evaluate"/>.</summary>
    public static Figure ParamImportances(Study study, string title = "Parameter importances (permutation on a GP surrogate)") =>
        ParamImportances(ParameterImportance.Evaluate(study), title);

    /// <summary>Bar chart of importances already computed by <see cref="ParameterImportance.Evaluate"/>.</summary>
    public static Figure ParamImportances(IReadOnlyDictionary<string, double> importances, string title = "Parameter importances (permutation on a GP surrogate)")
    {
        var bars = importances.OrderBy(p => p.Value).ToArray();
        var figure = new Figure(new Bar { X = bars.Select(p => p.Value).ToArray(), Y = bars.Select(p => p.Key).ToArray(), Orientation = "h", Name = "importance" })
            .WithTitle(title, "importance (sums to 1)");
        (figure.Layout.YAxis ??= new Axis()).Extra["automargin"] = true; // the names sit beside the bars, never under them
        return figure;
    }

    /// <summary>
    /// Learning curves reported by each trial: completed trials solid blue, pruned trials dashed red, and trials with a
    /// single report (pruned at their first step) as red crosses, since a one-point line draws nothing. The legend has
    /// one entry per kind, with its count; hovering a curve names its trial.
    /// </summary>
    public static Figure IntermediateValues(Study study, string title = "Intermediate values", string stepName = "step")
    {
        var figure = new Figure().WithTitle(title, stepName, "intermediate value");
        var trials = study.GetTrials(TrialState.Complete, TrialState.Pruned).Where(t => t.IntermediateValues.Count > 0).ToArray();
        // Steps are whole numbers (epochs, batches): ticks at whole steps, about ten of them, never at 1.5.
        long lastStep = trials.Length == 0 ? 1 : trials.Max(t => t.IntermediateValues.Keys.Max());
        figure.Layout.XAxis!.Extra["dtick"] = Math.Max(1, (long)Math.Ceiling(lastStep / 10.0));
        string Kind(FrozenTrial t) => t.State == TrialState.Complete ? "completed" : t.IntermediateValues.Count == 1 ? "pruned at first report" : "pruned";
        var counts = trials.GroupBy(Kind).ToDictionary(g => g.Key, g => g.Count());
        var shown = new HashSet<string>();
        foreach (var t in trials)
        {
            string kind = Kind(t);
            bool single = t.IntermediateValues.Count == 1;
            figure.Add(new Scatter
            {
                X = t.IntermediateValues.Keys.ToArray(), Y = t.IntermediateValues.Values.ToArray(),
                Mode = single ? "markers" : "lines", Name = $"{kind} ({counts[kind]})",
                Line = t.State == TrialState.Pruned ? new Line { Color = "rgba(200,40,40,0.6)", Dash = "dash" } : new Line { Color = "rgba(40,90,200,0.8)" },
                Marker = single ? new Marker { Color = "rgba(200,40,40,0.8)", Symbol = "x", Size = 8 } : null,
                Hovertemplate = $"trial {t.Number}: %{{y:.4g}} at step %{{x}}<extra></extra>",
                // plotly's key is "showlegend"; Trace.ShowLegend serialises as "showLegend", which plotly ignores.
                Extra = { ["legendgroup"] = kind, ["showlegend"] = shown.Add(kind) },
            });
        }
        return figure;
    }

    /// <summary>
    /// A 1-D GP view (notebook 06): posterior mean, a ±2σ band, the observations, optionally the true function, and
    /// log EI in a lower panel with the next point marked. <paramref name="toX"/> maps the unit interval to the parameter.
    /// Log EI plunges to about −10⁶ next to observations of a deterministic function, so its axis shows only the top
    /// <paramref name="logEiWindow"/> units below its maximum (the curve leaves the panel where it is lower).
    /// </summary>
    public static Figure GpPosterior1D(GaussianProcess gp, double[] observedUnit, double[] observedY, double incumbent,
        Func<double, double>? toX = null, Func<double, double>? truth = null, int points = 300,
        string title = "GP posterior and log expected improvement", double logEiWindow = 20)
    {
        if (!(logEiWindow > 0)) throw new ArgumentOutOfRangeException(nameof(logEiWindow), "logEiWindow must be positive.");
        if (gp.Dimensions != 1) throw new ArgumentException("GpPosterior1D needs a GP over one input dimension.");
        toX ??= u => u;
        var u = Enumerable.Range(0, points).Select(i => i / (points - 1.0)).ToArray();
        var q = u.Select(v => new[] { v }).ToArray();
        var (mean, std) = gp.Predict(q);
        var logEi = gp.LogExpectedImprovement(q, incumbent);
        int next = Array.IndexOf(logEi, logEi.Max());
        var xs = u.Select(toX).ToArray();
        var figure = new Figure(
            new Scatter { X = xs, Y = mean.Zip(std, (m, s) => m + 2 * s).ToArray(), Mode = "lines", Line = new Line { Width = 0 }, Name = "upper", Extra = { ["showlegend"] = false } },
            new Scatter { X = xs, Y = mean.Zip(std, (m, s) => m - 2 * s).ToArray(), Mode = "lines", Line = new Line { Width = 0 }, Fill = "tonexty", Name = "mean ± 2σ", Extra = { ["fillcolor"] = "rgba(40,90,200,0.2)" } },
            new Scatter { X = xs, Y = mean, Mode = "lines", Name = "posterior mean", Line = new Line { Color = "rgb(40,90,200)" } },
            new Scatter { X = observedUnit.Select(toX).ToArray(), Y = observedY, Mode = "markers", Name = "observations", Marker = new Marker { Color = "black", Size = 8 } });
        if (truth is not null) figure.Add(new Scatter { X = xs, Y = xs.Select(truth).ToArray(), Mode = "lines", Name = "true function", Line = new Line { Dash = "dot", Color = "gray" } });
        figure.Add(new Scatter { X = xs, Y = logEi, Mode = "lines", Name = "log EI", Line = new Line { Color = "rgb(220,120,0)" }, Extra = { ["yaxis"] = "y2" } });
        figure.Add(new Scatter { X = new[] { xs[next] }, Y = new[] { logEi[next] }, Mode = "markers", Name = "next point", Marker = new Marker { Color = "red", Size = 10 }, Extra = { ["yaxis"] = "y2" } });
        figure.WithTitle(title, "x", "f(x)");
        figure.Layout.YAxis!.Extra["domain"] = new[] { 0.38, 1.0 };
        figure.Layout.XAxis!.Extra["anchor"] = "y2"; // the shared x axis (ticks and title) under the lower panel
        double top = logEi[next], low = Math.Max(logEi.Where(double.IsFinite).Min(), top - logEiWindow);
        double pad = Math.Max((top - low) * 0.08, 0.1);
        figure.Layout.Extra["yaxis2"] = new
        {
            domain = new[] { 0.0, 0.28 }, anchor = "x", range = new[] { low - pad, top + pad },
            title = new { text = low > logEi.Where(double.IsFinite).Min() ? $"log EI (top {logEiWindow:0})" : "log EI" },
        };
        figure.Layout.Height = 560;
        return figure;
    }

    /// <summary>
    /// What TPE sees for one float parameter: the density l(x) of the best γ(n) finished trials, g(x) of the rest
    /// (markers show the trials of each group at the bottom), and below them log l(x) − log g(x) with the
    /// <paramref name="candidates"/> points TPE draws from l; the one with the largest ratio is its next proposal.
    /// (The ratio's maximum over the whole range often lies where neither density has mass; TPE never looks there.)
    /// Densities are per unit of the parameter's (log-)scale.
    /// </summary>
    public static Figure TpeDensities1D(Study study, string parameter, int candidates = 24, int seed = 0, int points = 400,
        string title = "TPE: good and bad trials as densities")
    {
        var (distribution, below, above, l, g) = TpeGroups1D(study, parameter);
        // The curves are true densities; the ratio is the one TpeSampler ranks by (components without −log σ).
        var density = new ParzenEstimatorOptions { NormalizeComponents = true };
        var grid = Enumerable.Range(0, points).Select(k => new[] { distribution.FromUnit(k / (points - 1.0)) }).ToArray();
        var logL = new ParzenEstimator([distribution], below, density).LogPdf(grid);
        var logG = new ParzenEstimator([distribution], above, density).LogPdf(grid);
        var xs = grid.Select(r => r[0]).ToArray();
        var ratio = l.LogPdf(grid).Zip(g.LogPdf(grid), (a, b) => a - b).ToArray();
        var drawn = l.Sample(new Random(seed), candidates);
        var drawnRatio = l.LogPdf(drawn).Zip(g.LogPdf(drawn), (a, b) => a - b).ToArray();
        int best = Array.IndexOf(drawnRatio, drawnRatio.Max());
        var figure = new Figure(
            new Scatter { X = xs, Y = logL.Select(Math.Exp).ToArray(), Mode = "lines", Name = $"l(x): best {below.Length} trials", Line = new Line { Color = "rgb(0,140,70)" } },
            new Scatter { X = xs, Y = logG.Select(Math.Exp).ToArray(), Mode = "lines", Name = $"g(x): other {above.Length} trials", Line = new Line { Color = "rgb(200,60,60)" } },
            new Scatter { X = below.Select(r => r[0]).ToArray(), Y = below.Select(_ => 0.0).ToArray(), Mode = "markers", Name = "good trials", Marker = new Marker { Color = "rgb(0,140,70)", Size = 9, Symbol = "triangle-up" } },
            new Scatter { X = above.Select(r => r[0]).ToArray(), Y = above.Select(_ => 0.0).ToArray(), Mode = "markers", Name = "other trials", Marker = new Marker { Color = "rgb(200,60,60)", Size = 7 } },
            new Scatter { X = xs, Y = ratio, Mode = "lines", Name = "log l(x) − log g(x)", Line = new Line { Color = "rgb(220,120,0)" }, Extra = { ["yaxis"] = "y2" } },
            new Scatter { X = drawn.Select(r => r[0]).ToArray(), Y = drawnRatio, Mode = "markers", Name = $"{candidates} candidates drawn from l", Marker = new Marker { Color = "rgb(220,120,0)", Size = 6 }, Extra = { ["yaxis"] = "y2" } },
            new Scatter { X = new[] { drawn[best][0] }, Y = new[] { drawnRatio[best] }, Mode = "markers", Name = "next proposal", Marker = new Marker { Color = "black", Size = 11 }, Extra = { ["yaxis"] = "y2" } });
        figure.WithTitle(title, parameter, "density");
        if (distribution.Log) figure.Layout.XAxis!.Type = "log";
        figure.Layout.YAxis!.Extra["domain"] = new[] { 0.38, 1.0 };
        figure.Layout.Extra["yaxis2"] = new { domain = new[] { 0.0, 0.28 }, title = new { text = "log l − log g" }, anchor = "x" };
        figure.Layout.Height = 560;
        return figure;
    }

    /// <summary>
    /// The numbers behind <see cref="TpeDensities1D"/> (same arguments, same proposal): TPE's next proposal for one
    /// float parameter, and log l(x) − log g(x), the ratio TPE ranks its candidates by, at any value of the parameter.
    /// </summary>
    public static (double Proposal, Func<double, double> LogRatio, int Good, int Other) TpeProposal1D(Study study,
        string parameter, int candidates = 24, int seed = 0)
    {
        var (_, below, above, l, g) = TpeGroups1D(study, parameter);
        var drawn = l.Sample(new Random(seed), candidates);
        var drawnRatio = l.LogPdf(drawn).Zip(g.LogPdf(drawn), (a, b) => a - b).ToArray();
        double LogRatio(double x) => l.LogPdf([[x]])[0] - g.LogPdf([[x]])[0];
        return (drawn[Array.IndexOf(drawnRatio, drawnRatio.Max())][0], LogRatio, below.Length, above.Length);
    }

    static (FloatDistribution Distribution, double[][] Below, double[][] Above, ParzenEstimator L, ParzenEstimator G)
        TpeGroups1D(Study study, string parameter)
    {
        var trials = study.GetTrials().Where(t => t.Distributions.ContainsKey(parameter)).ToArray();
        if (trials.Length == 0) throw new ArgumentException($"No trial of the study has the parameter '{parameter}'.", nameof(parameter));
        if (trials[^1].Distributions[parameter] is not FloatDistribution { IsSingle: false } distribution)
            throw new ArgumentException($"TpeDensities1D draws a float parameter with a range; '{parameter}' is {trials[^1].Distributions[parameter]}.", nameof(parameter));
        var split = TpeSampler.Split(study.GetTrials(), study.Direction, constantLiar: false, TpeSampler.DefaultGamma);
        double[][] Values(IEnumerable<FrozenTrial> group) =>
            [.. group.Where(t => t.InternalParams.TryGetValue(parameter, out var v) && distribution.Contains(v)).Select(t => new[] { t.InternalParams[parameter] })];
        var below = Values(split.Below); var above = Values(split.Above);
        return (distribution, below, above, new ParzenEstimator([distribution], below), new ParzenEstimator([distribution], above));
    }
}
