using NotebookKit.Display;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Optimizers;

/// <summary>How far two optimizers drift apart when they train identical networks on identical batches.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed record ParityResult(string Name, int Steps, double[] GapPerStep, double FinalLossOurs, double FinalLossTheirs) : IRichDisplay
{
    /// <summary>Largest relative parameter difference max|p_ours - p_torch| / max|p_torch| over all steps and parameters.</summary>
    public double LargestGap => GapPerStep.Max();

    public string ToHtml() => ToTable().ToHtml();
    public string ToPlainText() => ToTable().ToPlainText();
    HtmlTable ToTable() => new HtmlTable(["optimizer", "steps", "largest relative gap", "final loss (ours)", "final loss (torch.optim)"])
        .AddRow(Name, Steps, LargestGap, FinalLossOurs, FinalLossTheirs);
}

/// <summary>A from-scratch optimizer and its torch.optim counterpart; FullBatch feeds every row at each step (gradient descent).</summary>
public sealed record ParityPair(string Name, Func<IEnumerable<Parameter>, IParameterOptimizer> Ours,
    Func<IEnumerable<Parameter>, optim.Optimizer> Theirs, bool FullBatch = false);

/// <summary>Parity results of several pairs, shown as one table.</summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed record ParityReport(IReadOnlyList<ParityResult> Results) : IRichDisplay
{
    /// <summary>The largest relative gap of any pair at any step.</summary>
    public double LargestGap => Results.Max(r => r.LargestGap);

    public HtmlTable Table()
    {
        var table = new HtmlTable(["optimizer", "steps", "largest relative parameter gap", "final loss (ours)", "final loss (torch.optim)"]);
        foreach (var r in Results) table.AddRow(r.Name, r.Steps, r.LargestGap, r.FinalLossOurs, r.FinalLossTheirs);
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}

/// <summary>Step-by-step comparison of a from-scratch optimizer with its torch.optim counterpart (03-optimizers).</summary>
public static class OptimizerParity
{
    /// <summary>Runs <see cref="Compare"/> for every pair on the same data: mini-batches of <paramref name="batchSize"/>, or all rows for FullBatch pairs.</summary>
    public static ParityReport CompareAll(IEnumerable<ParityPair> pairs, Func<nn.Module<Tensor, Tensor>> build, Tensor x, Tensor y,
        Func<Tensor, Tensor, Tensor> loss, int steps = 100, int batchSize = 32, int seed = 0) =>
        new(pairs.Select(p => Compare(p.Name, build, x, y, loss, p.Ours, p.Theirs, steps,
            p.FullBatch ? (int)x.shape[0] : batchSize, seed)).ToArray());

    /// <summary>
    /// Builds the network twice from the same seed, then for each step k feeds both copies mini-batch k mod m of
    /// (x, y), takes one step with each optimizer and records the largest relative parameter difference.
    /// Use float64 networks: float32 rounding alone reaches about 1e-7 per step.
    /// </summary>
    public static ParityResult Compare(string name, Func<nn.Module<Tensor, Tensor>> build, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor> loss,
        Func<IEnumerable<Parameter>, IParameterOptimizer> ours, Func<IEnumerable<Parameter>, optim.Optimizer> theirs,
        int steps = 100, int batchSize = 16, int seed = 0)
    {
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        if (steps < 1 || batchSize < 1) throw new ArgumentOutOfRangeException(nameof(steps), "steps and batchSize must be positive.");
        manual_seed(seed);
        var a = build();
        manual_seed(seed);
        var b = build();
        var optA = ours(a.parameters());
        using var ownedA = optA as IDisposable;
        using var optB = theirs(b.parameters());
        var pa = a.parameters().ToArray();
        var pb = b.parameters().ToArray();
        long batches = Math.Max(1, x.shape[0] / batchSize);
        var gaps = new double[steps];
        double lossA = 0, lossB = 0;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            long start = step % batches * batchSize;
            long size = Math.Min(batchSize, x.shape[0] - start);
            var bx = x.narrow(0, start, size).to(pa[0].device);
            var by = y.narrow(0, start, size).to(pa[0].device);
            optA.ZeroGrad();
            var la = loss(a.call(bx), by);
            la.backward();
            optA.Step();
            optB.zero_grad();
            var lb = loss(b.call(bx), by);
            lb.backward();
            optB.step();
            (lossA, lossB) = (la.to_type(ScalarType.Float64).item<double>(), lb.to_type(ScalarType.Float64).item<double>());
            using var _ = no_grad();
            var difference = stack(pa.Zip(pb, (p, q) => (p - q).abs().max() / q.abs().max().clamp_min(1e-12)).ToArray());
            gaps[step] = difference.max().to_type(ScalarType.Float64).item<double>();
        }
        a.Dispose(); b.Dispose();
        return new ParityResult(name, steps, gaps, lossA, lossB);
    }
}
