using NotebookKit.Display;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module;

namespace NotebookKit.Compression;

/// <summary>
/// Magnitude pruning primitives (introduced in 07-model-compression), with torch.nn.utils.prune's counting: pruning a
/// fraction <c>amount</c> of n candidate weights removes k = round(amount × n) of them (round half to even, as Python's
/// round), the k smallest by |w|. Weights already pruned are not candidates, so pruning 0.5 twice leaves 25% of them.
/// </summary>
public static class Pruning
{
    /// <summary>k = round(amount × n), half to even; amount must lie in [0, 1].</summary>
    public static long CountToPrune(double amount, long n)
    {
        if (double.IsNaN(amount) || amount < 0 || amount > 1)
            throw new ArgumentOutOfRangeException(nameof(amount), $"Amount must be a fraction in [0, 1], got {amount}.");
        return (long)Math.Round(amount * n, MidpointRounding.ToEven);
    }

    /// <summary>
    /// L1 unstructured mask of one tensor: starting from <paramref name="mask"/> (ones if null), zeroes the
    /// round(amount × unpruned) unpruned entries of smallest |w|. Returns a new float mask of the weight's shape.
    /// </summary>
    public static Tensor L1UnstructuredMask(Tensor weight, double amount, Tensor? mask = null) =>
        GlobalL1Masks([weight], amount, mask is null ? null : [mask]).Masks[0];

    /// <summary>
    /// Global L1 unstructured masks: one threshold across all tensors. k = round(amount × unpruned entries in total)
    /// smallest |w| are pruned wherever they sit; <c>Threshold</c> is the largest |w| pruned (NaN when k = 0).
    /// </summary>
    public static (Tensor[] Masks, double Threshold) GlobalL1Masks(IReadOnlyList<Tensor> weights, double amount, IReadOnlyList<Tensor>? masks = null)
    {
        CountToPrune(amount, 0); // validates amount
        return GlobalL1MasksByCount(weights, unpruned => CountToPrune(amount, unpruned), masks);
    }

    /// <summary>As <see cref="GlobalL1Masks"/>, pruning <paramref name="count"/>(unpruned entries) more entries.</summary>
    internal static (Tensor[] Masks, double Threshold) GlobalL1MasksByCount(IReadOnlyList<Tensor> weights, Func<long, long> count, IReadOnlyList<Tensor>? masks = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0) throw new ArgumentException("Give at least one tensor to prune.", nameof(weights));
        if (masks is not null && masks.Count != weights.Count)
            throw new ArgumentException($"{masks.Count} masks for {weights.Count} tensors.", nameof(masks));
        for (int i = 0; masks is not null && i < masks.Count; i++)
            if (!masks[i].shape.SequenceEqual(weights[i].shape))
                throw new ArgumentException($"Mask {i} has shape [{string.Join(", ", masks[i].shape)}], its tensor [{string.Join(", ", weights[i].shape)}].", nameof(masks));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var device = weights[0].device;
        var scores = cat(weights.Select(w => w.detach().abs().flatten().to_type(ScalarType.Float32).to(device)).ToArray(), 0);
        var current = masks is null ? ones_like(scores) : cat(masks.Select(m => m.detach().flatten().to_type(ScalarType.Float32).to(device)).ToArray(), 0);
        long unpruned = current.count_nonzero().item<long>();
        long k = Math.Clamp(count(unpruned), 0, unpruned);
        double threshold = double.NaN;
        if (k > 0)
        {
            // Pruned entries score +inf so they are never chosen again.
            var candidates = scores.masked_fill(current.eq(0), double.PositiveInfinity);
            var (values, indices) = candidates.topk((int)k, largest: false);
            current = current.index_fill(0, indices, 0);
            threshold = values.max().item<float>();
        }
        var result = new Tensor[weights.Count];
        long offset = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            long n = weights[i].numel();
            result[i] = current.narrow(0, offset, n).reshape(weights[i].shape).to(weights[i].device).MoveToOuterDisposeScope();
            offset += n;
        }
        return (result, threshold);
    }

    /// <summary>
    /// Sparsity targets for gradual pruning (Zhu and Gupta, 2017): s_t = s_final × (1 - (1 - t/steps)^3), t = 1..steps.
    /// Prunes fast while there is redundancy, then slowly.
    /// </summary>
    public static double[] CubicSchedule(double finalSparsity, int steps)
    {
        if (finalSparsity is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(finalSparsity), "Final sparsity must be in [0, 1).");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "Steps must be at least 1.");
        return Enumerable.Range(1, steps).Select(t => finalSparsity * (1 - Math.Pow(1 - (double)t / steps, 3))).ToArray();
    }

    /// <summary>
    /// Structured pruning that really shrinks a Sequential model: in every Linear or Conv2d whose outputs feed another
    /// Linear or Conv2d (through parameter-free layers such as ReLU, Dropout, MaxPool, Flatten), removes the
    /// round(amount × units) output neurons or channels with the smallest L1 weight norm, and the matching inputs of
    /// the next layer. The output layer keeps all its units. Returns a new, smaller model; the original is unchanged.
    /// </summary>
    public static Sequential ShrinkStructured(nn.Module<Tensor, Tensor> model, double amount)
    {
        if (model is not Sequential sequential)
            throw new ArgumentException($"ShrinkStructured works on flat Sequential models; got {model.GetType().Name}.", nameof(model));
        CountToPrune(amount, 1); // validates amount
        var children = sequential.named_children().Select(c => (Name: c.name, Module: (nn.Module<Tensor, Tensor>)c.module)).ToList();
        var weighted = children.Select((c, i) => (c, i)).Where(t => t.c.Module is Linear or Conv2d).Select(t => t.i).ToList();
        foreach (var (name, module) in children)
            if (module is not (Linear or Conv2d) && module.parameters().Any())
                throw new ArgumentException($"Layer '{name}' ({module.GetType().Name}) has parameters and sits between pruned layers; only Linear, Conv2d and parameter-free layers are supported.", nameof(model));

        using var _ = no_grad();
        var replaced = children.Select(c => c.Module).ToArray();
        Tensor? keepInputs = null; // kept input units of the current layer (outputs kept in the previous one)
        for (int w = 0; w < weighted.Count; w++)
        {
            int index = weighted[w];
            var layer = children[index].Module;
            Tensor weight = layer is Linear l ? l.weight! : ((Conv2d)layer).weight!;
            Tensor? bias = layer is Linear l2 ? l2.bias : ((Conv2d)layer).bias;
            Tensor inputWeight = weight;
            if (keepInputs is not null)
            {
                long inputs = weight.shape[1];
                long previousUnits = PreviousUnits(children[weighted[w - 1]].Module);
                if (inputs % previousUnits != 0)
                    throw new ArgumentException($"Layer '{children[index].Name}' has {inputs} inputs, not a multiple of the {previousUnits} units before it.", nameof(model));
                long block = inputs / previousUnits; // Flatten after a convolution: each channel feeds H×W inputs
                var columns = (keepInputs.unsqueeze(1) * block + arange(block, device: weight.device).unsqueeze(0)).flatten();
                inputWeight = weight.index_select(1, columns);
            }
            bool isLast = w == weighted.Count - 1;
            Tensor? keepOutputs = null;
            var newWeight = inputWeight;
            var newBias = bias;
            if (!isLast)
            {
                long units = weight.shape[0];
                long k = CountToPrune(amount, units);
                if (k >= units) throw new ArgumentException($"Pruning {amount} of layer '{children[index].Name}' would remove all {units} units.", nameof(amount));
                var norms = weight.abs().reshape(units, -1).sum(1);
                keepOutputs = norms.topk((int)(units - k)).indexes.sort().Values;
                newWeight = inputWeight.index_select(0, keepOutputs);
                newBias = bias?.index_select(0, keepOutputs);
            }
            replaced[index] = Rebuild(layer, newWeight, newBias);
            keepInputs = keepOutputs;
        }
        return nn.Sequential(children.Select((c, i) => (c.Name, replaced[i])).ToList());
    }

    static long PreviousUnits(nn.Module<Tensor, Tensor> layer) => layer switch
    {
        Linear l => l.out_features,
        Conv2d c => c.out_channels,
        _ => throw new InvalidOperationException(),
    };

    static nn.Module<Tensor, Tensor> Rebuild(nn.Module<Tensor, Tensor> layer, Tensor weight, Tensor? bias)
    {
        if (layer is Linear)
        {
            var linear = nn.Linear(weight.shape[1], weight.shape[0], hasBias: bias is not null, device: weight.device);
            linear.weight = new Parameter(weight.detach().clone());
            if (bias is not null) linear.bias = new Parameter(bias.detach().clone());
            return linear;
        }
        var old = (Conv2d)layer;
        if (old.groups != 1) throw new ArgumentException("Grouped convolutions cannot be shrunk.");
        if (old.padding is null) throw new ArgumentException("Only explicit numeric padding is supported.");
        var conv = nn.Conv2d(weight.shape[1], weight.shape[0], (weight.shape[2], weight.shape[3]), stride: (old.stride[0], old.stride[1]),
            padding: (old.padding[0], old.padding[1]), dilation: (old.dilation[0], old.dilation[1]), bias: bias is not null, device: weight.device);
        conv.weight = new Parameter(weight.detach().clone());
        if (bias is not null) conv.bias = new Parameter(bias.detach().clone());
        return conv;
    }
}

/// <summary>One round of an iterative prune-and-fine-tune schedule.</summary>
public sealed record PruningStep(int Step, double TargetSparsity, double Sparsity, double Threshold, double MetricAfterPruning, double MetricAfterFineTuning);

/// <summary>
/// Magnitude pruning of a model's Linear and Conv2d weights with masks (introduced in 07-model-compression). Masks are
/// re-applied after every optimiser step while fine-tuning (pass <see cref="ApplyMasks"/> as TrainOptions.AfterStep),
/// so pruned weights stay zero, and <see cref="MakePermanent"/> bakes them in and drops the masks, as
/// torch.nn.utils.prune.remove does.
/// </summary>
[TypeFormatterSource(typeof(RichDisplayFormatterSource))]
public sealed class Pruner : IRichDisplay
{
    readonly List<(string Name, Parameter Weight)> targets;
    Tensor[]? masks;

    /// <summary>The pruned weights, by module name.</summary>
    public IReadOnlyList<string> Names => targets.Select(t => t.Name).ToArray();
    /// <summary>Largest |w| removed by the last global pruning (NaN if none).</summary>
    public double LastThreshold { get; private set; } = double.NaN;
    public bool HasMasks => masks is not null;

    public Pruner(IEnumerable<(string Name, Parameter Weight)> weights)
    {
        targets = weights.ToList();
        if (targets.Count == 0) throw new ArgumentException("There are no weights to prune.", nameof(weights));
    }

    /// <summary>Prunes the weight of every Linear and Conv2d in <paramref name="model"/> (biases are left, as is usual).</summary>
    public static Pruner ForModel(Module model) =>
        new(model.named_modules().Where(m => m.module is Linear or Conv2d)
            .Select(m => (m.name, m.module is Linear l ? l.weight! : ((Conv2d)m.module).weight!)));

    /// <summary>Per layer: each weight loses round(amount × its unpruned entries), its own smallest |w|.</summary>
    public Pruner PruneLayerwise(double amount)
    {
        var next = new Tensor[targets.Count];
        for (int i = 0; i < targets.Count; i++)
            next[i] = Pruning.L1UnstructuredMask(targets[i].Weight, amount, masks?[i]);
        SetMasks(next);
        return this;
    }

    /// <summary>Global: round(amount × all unpruned entries) smallest |w| across every layer, one threshold.</summary>
    public Pruner PruneGlobal(double amount)
    {
        var (next, threshold) = Pruning.GlobalL1Masks(targets.Select(t => (Tensor)t.Weight).ToArray(), amount, masks);
        LastThreshold = threshold;
        SetMasks(next);
        return this;
    }

    /// <summary>Prunes more until round(sparsity × all weights) are pruned (globally, or per layer to that sparsity each).</summary>
    public Pruner PruneTo(double sparsity, bool global = true)
    {
        if (global)
        {
            long total = TotalWeights, pruned = total - Unpruned();
            long more = Pruning.CountToPrune(sparsity, total) - pruned;
            if (more <= 0) return this;
            var (globalMasks, threshold) = Pruning.GlobalL1MasksByCount(targets.Select(t => (Tensor)t.Weight).ToArray(), _ => more, masks);
            LastThreshold = threshold;
            SetMasks(globalMasks);
            return this;
        }
        var next = new Tensor[targets.Count];
        for (int i = 0; i < targets.Count; i++)
        {
            long n = targets[i].Weight.numel();
            long unpruned = masks is null ? n : masks[i].count_nonzero().item<long>();
            long more = Pruning.CountToPrune(sparsity, n) - (n - unpruned);
            next[i] = more <= 0 ? (masks?[i]?.clone() ?? ones_like(targets[i].Weight))
                : Pruning.GlobalL1MasksByCount([targets[i].Weight], _ => more, masks is null ? null : [masks[i]]).Masks[0];
        }
        SetMasks(next);
        return this;
    }

    /// <summary>w ← w ⊙ mask for every pruned weight (call after each optimiser step while fine-tuning).</summary>
    public void ApplyMasks()
    {
        if (masks is null) return;
        using var _ = no_grad();
        for (int i = 0; i < targets.Count; i++) targets[i].Weight.mul_(masks[i]);
    }

    /// <summary>Applies the masks one last time and drops them: the zeros become ordinary weights.</summary>
    public void MakePermanent()
    {
        ApplyMasks();
        if (masks is not null) foreach (var m in masks) m.Dispose();
        masks = null;
    }

    /// <summary>
    /// Iterative prune-and-fine-tune: for each target sparsity, prune to it, measure, fine-tune (masks held), measure.
    /// The masks are left in place; call <see cref="MakePermanent"/> at the end.
    /// </summary>
    public IReadOnlyList<PruningStep> Iterate(IEnumerable<double> targetSparsities, Action<Pruner> fineTune, Func<double> evaluate, bool global = true)
    {
        var steps = new List<PruningStep>();
        int step = 0;
        foreach (var target in targetSparsities)
        {
            PruneTo(target, global);
            double afterPruning = evaluate();
            fineTune(this);
            ApplyMasks();
            steps.Add(new PruningStep(++step, target, Sparsity, LastThreshold, afterPruning, evaluate()));
        }
        return steps;
    }

    public long TotalWeights => targets.Sum(t => t.Weight.numel());

    /// <summary>Fraction of the pruned weights that are exactly zero now.</summary>
    public double Sparsity
    {
        get
        {
            using var _ = no_grad();
            long zeros = targets.Sum(t => t.Weight.numel() - t.Weight.count_nonzero().item<long>());
            return (double)zeros / TotalWeights;
        }
    }

    long Unpruned() => masks is null ? TotalWeights : masks.Sum(m => m.count_nonzero().item<long>());

    void SetMasks(Tensor[] next)
    {
        if (masks is not null) foreach (var m in masks) m.Dispose();
        masks = next;
        ApplyMasks();
    }

    /// <summary>Per-layer weights, zeros and sparsity.</summary>
    public HtmlTable Table()
    {
        var table = new HtmlTable(["layer", "weights", "zeros", "sparsity"]);
        using var _ = no_grad();
        foreach (var (name, w) in targets)
        {
            long zeros = w.numel() - w.count_nonzero().item<long>();
            table.AddRow(name, w.numel(), zeros, (double)zeros / w.numel());
        }
        return table;
    }

    public string ToHtml() => Table().ToHtml();
    public string ToPlainText() => Table().ToPlainText();
}
