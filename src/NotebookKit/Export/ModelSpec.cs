using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Export;

/// <summary>
/// One layer of a Sequential stack, as plain data the kit can rebuild (introduced in 08-export-and-serving).
/// <see cref="Type"/> names the TorchSharp module; the other fields are its constructor arguments and are null
/// where they do not apply. Supported types: Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, ReLU, Sigmoid, Tanh,
/// GELU, Softmax, LogSoftmax, Dropout, BatchNorm1d, BatchNorm2d, Identity.
/// </summary>
public sealed record LayerSpec
{
    /// <summary>Module type, e.g. "Linear" (case-sensitive, as TorchSharp names it).</summary>
    public required string Type { get; init; }
    /// <summary>Child name in the Sequential; it prefixes the layer's weights in the weights file.</summary>
    public required string Name { get; init; }
    /// <summary>Linear in_features, Conv2d in_channels.</summary>
    public long? In { get; init; }
    /// <summary>Linear out_features, Conv2d out_channels, BatchNorm num_features.</summary>
    public long? Out { get; init; }
    public bool? Bias { get; init; }
    /// <summary>Kernel size [h, w] (Conv2d, MaxPool2d, AvgPool2d).</summary>
    public long[]? Kernel { get; init; }
    public long[]? Stride { get; init; }
    /// <summary>Zero padding [h, w] on both sides.</summary>
    public long[]? Padding { get; init; }
    public long[]? Dilation { get; init; }
    public long? Groups { get; init; }
    public bool? CeilMode { get; init; }
    /// <summary>AvgPool2d: padded zeros count in the divisor (PyTorch's default, true).</summary>
    public bool? CountIncludePad { get; init; }
    /// <summary>Flatten start_dim and end_dim, counted with the batch dimension as 0.</summary>
    public long? StartDim { get; init; }
    public long? EndDim { get; init; }
    /// <summary>Softmax/LogSoftmax dimension, counted with the batch dimension as 0.</summary>
    public long? Dim { get; init; }
    /// <summary>Dropout probability (the layer is the identity in evaluation and in exports).</summary>
    public double? P { get; init; }
    public double? Eps { get; init; }
    public double? Momentum { get; init; }
    public bool? Affine { get; init; }
    /// <summary>GELU: "none" (exact, erf) or "tanh".</summary>
    public string? Approximate { get; init; }

    static string N(string? name, string fallback) => name ?? fallback;

    /// <summary>y = x Wᵀ + b over the last dimension (TorchSharp nn.Linear).</summary>
    public static LayerSpec Linear(long inFeatures, long outFeatures, bool bias = true, string? name = null) =>
        new() { Type = "Linear", Name = N(name, "linear"), In = inFeatures, Out = outFeatures, Bias = bias };
    /// <summary>2-D convolution, square kernel, zero padding on both sides (nn.Conv2d).</summary>
    public static LayerSpec Conv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true, string? name = null) =>
        new() { Type = "Conv2d", Name = N(name, "conv"), In = inChannels, Out = outChannels, Kernel = [kernel, kernel], Stride = [stride, stride], Padding = [padding, padding], Dilation = [dilation, dilation], Groups = groups, Bias = bias };
    /// <summary>Max pooling; stride defaults to the kernel size (nn.MaxPool2d).</summary>
    public static LayerSpec MaxPool2d(long kernel, long? stride = null, long padding = 0, long dilation = 1, bool ceilMode = false, string? name = null) =>
        new() { Type = "MaxPool2d", Name = N(name, "maxpool"), Kernel = [kernel, kernel], Stride = [stride ?? kernel, stride ?? kernel], Padding = [padding, padding], Dilation = [dilation, dilation], CeilMode = ceilMode };
    /// <summary>Average pooling; padded zeros count in the divisor unless <paramref name="countIncludePad"/> is false (nn.AvgPool2d).</summary>
    public static LayerSpec AvgPool2d(long kernel, long? stride = null, long padding = 0, bool ceilMode = false, bool countIncludePad = true, string? name = null) =>
        new() { Type = "AvgPool2d", Name = N(name, "avgpool"), Kernel = [kernel, kernel], Stride = [stride ?? kernel, stride ?? kernel], Padding = [padding, padding], CeilMode = ceilMode, CountIncludePad = countIncludePad };
    /// <summary>Merges dimensions startDim..endDim (batch is 0; it cannot be flattened in an export).</summary>
    public static LayerSpec Flatten(long startDim = 1, long endDim = -1, string? name = null) =>
        new() { Type = "Flatten", Name = N(name, "flatten"), StartDim = startDim, EndDim = endDim };
    /// <summary>max(0, x).</summary>
    public static LayerSpec ReLU(string? name = null) => new() { Type = "ReLU", Name = N(name, "relu") };
    /// <summary>1 / (1 + e^-x).</summary>
    public static LayerSpec Sigmoid(string? name = null) => new() { Type = "Sigmoid", Name = N(name, "sigmoid") };
    /// <summary>tanh(x).</summary>
    public static LayerSpec Tanh(string? name = null) => new() { Type = "Tanh", Name = N(name, "tanh") };
    /// <summary>x·Φ(x) exactly (erf), or PyTorch's tanh approximation.</summary>
    public static LayerSpec GELU(bool tanhApproximation = false, string? name = null) =>
        new() { Type = "GELU", Name = N(name, "gelu"), Approximate = tanhApproximation ? "tanh" : "none" };
    /// <summary>e^x / Σ e^x along <paramref name="dim"/> (batch is 0).</summary>
    public static LayerSpec Softmax(long dim = 1, string? name = null) => new() { Type = "Softmax", Name = N(name, "softmax"), Dim = dim };
    /// <summary>log softmax along <paramref name="dim"/> (batch is 0).</summary>
    public static LayerSpec LogSoftmax(long dim = 1, string? name = null) => new() { Type = "LogSoftmax", Name = N(name, "logsoftmax"), Dim = dim };
    /// <summary>Dropout with probability p in training; the identity in evaluation and in exports.</summary>
    public static LayerSpec Dropout(double p = 0.5, string? name = null) => new() { Type = "Dropout", Name = N(name, "dropout"), P = p };
    /// <summary>Batch normalisation over [batch, C] or [batch, C, L]; evaluation uses the running statistics.</summary>
    public static LayerSpec BatchNorm1d(long features, double eps = 1e-5, double momentum = 0.1, bool affine = true, string? name = null) =>
        new() { Type = "BatchNorm1d", Name = N(name, "batchnorm"), Out = features, Eps = eps, Momentum = momentum, Affine = affine };
    /// <summary>Batch normalisation over [batch, C, H, W]; evaluation uses the running statistics.</summary>
    public static LayerSpec BatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1, bool affine = true, string? name = null) =>
        new() { Type = "BatchNorm2d", Name = N(name, "batchnorm"), Out = features, Eps = eps, Momentum = momentum, Affine = affine };

    /// <summary>The same layer under another child name.</summary>
    public LayerSpec Named(string name) => this with { Name = name };
}

/// <summary>
/// A model architecture as data: a Sequential stack of <see cref="LayerSpec"/>s applied to rows of shape
/// <c>[batch, ..InputShape]</c>. <see cref="Build"/> makes the TorchSharp module; <see cref="FromModule(nn.Module{Tensor, Tensor})"/> reads one
/// back from a Sequential; <see cref="OutputShape"/> checks that the layers fit together.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>The layers in order; their names are the Sequential's child names.</summary>
    public required IReadOnlyList<LayerSpec> Layers { get; init; }

    /// <summary>For the JSON reader; set <see cref="Layers"/>.</summary>
    [JsonConstructor]
    public ModelSpec() { }

    /// <summary>A stack of layers; layers without distinct names get "0", "1", ... as PyTorch's Sequential does.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public ModelSpec(params LayerSpec[] layers)
    {
        var distinct = layers.Select(l => l.Name).Distinct().Count() == layers.Length;
        Layers = distinct ? layers : layers.Select((l, i) => l.Named(i.ToString())).ToArray();
    }

    /// <summary>Builds a Sequential (in training mode, on the CPU, freshly initialised) with the spec's child names.</summary>
    public nn.Module<Tensor, Tensor> Build()
    {
        Validate();
        var children = Layers.Select(l => (l.Name, BuildLayer(l))).ToList();
        return nn.Sequential(children);
    }

    /// <summary>
    /// Reads the architecture of a Sequential whose children are supported layers. Throws
    /// <see cref="NotSupportedException"/> naming the first child that is not one of them.
    /// </summary>
    public static ModelSpec FromModule(nn.Module<Tensor, Tensor> model) => FromModule(model, allowQuantized: false);

    /// <param name="allowQuantized">Read QuantizedLinear/QuantizedConv2d (Compression) as Linear/Conv2d: the int8 export's view.</param>
    internal static ModelSpec FromModule(nn.Module<Tensor, Tensor> model, bool allowQuantized)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not Sequential)
            throw new NotSupportedException($"Only Sequential stacks can be exported; got {model.GetType().Name}.");
        var layers = model.named_children().Select(c => Describe(c.name, c.module, allowQuantized)).ToArray();
        if (layers.Length == 0) throw new ArgumentException("The Sequential has no layers.", nameof(model));
        return new ModelSpec { Layers = layers };
    }

    /// <summary>
    /// The per-row output shape for per-row input shape <paramref name="inputShape"/> (batch excluded), checking
    /// each layer's sizes; throws <see cref="ArgumentException"/> naming the first layer that does not fit.
    /// </summary>
    public long[] OutputShape(IReadOnlyList<long> inputShape) => Shapes(inputShape)[^1];

    /// <summary>Per-row shapes before the first layer and after each layer (Layers.Count + 1 entries).</summary>
    public IReadOnlyList<long[]> Shapes(IReadOnlyList<long> inputShape)
    {
        Validate();
        if (inputShape.Count == 0 || inputShape.Any(d => d < 1))
            throw new ArgumentException($"Input shape [{string.Join(", ", inputShape)}] must have positive sizes.", nameof(inputShape));
        var shapes = new List<long[]> { inputShape.ToArray() };
        foreach (var l in Layers)
        {
            CheckSize(l);
            var output = LayerOutput(l, shapes[^1]);
            if (output.Any(d => d < 1) || Elements(output) > MaxElements)
                throw new ArgumentException($"Layer '{l.Name}' ({l.Type}) gives output [batch, {string.Join(", ", output)}]: sizes must be " +
                    $"positive and at most {MaxElements} values per row.");
            shapes.Add(output);
        }
        return shapes;
    }

    // 2^31 float weights (8 GB) per layer or values per row: far beyond any model a package carries, and it keeps a
    // hand-edited manifest from asking libtorch for terabytes.
    const long MaxElements = 1L << 31;

    static long Elements(IEnumerable<long> sizes)
    {
        double product = 1;
        foreach (var v in sizes) product *= v;
        return product > MaxElements ? long.MaxValue : (long)product;
    }

    static void CheckSize(LayerSpec l)
    {
        foreach (var (field, v) in new[] { ("in", l.In), ("out", l.Out) })
            if (v is < 1) throw new ArgumentException($"Layer '{l.Name}' ({l.Type}): '{field}' is {v}; sizes must be positive.");
        long[] kernel = l.Kernel ?? [1, 1];
        if (kernel.Any(k => k < 1)) throw new ArgumentException($"Layer '{l.Name}' ({l.Type}): kernel sizes must be positive.");
        if (l.In is long a && l.Out is long b && Elements([a, b, .. kernel]) > MaxElements)
            throw new ArgumentException($"Layer '{l.Name}' ({l.Type}) would hold {a} x {b} x {string.Join(" x ", kernel)} weights; " +
                $"at most {MaxElements} per layer are allowed.");
    }

    void Validate()
    {
        if (Layers is null || Layers.Count == 0) throw new ArgumentException("A model spec needs at least one layer.");
        var dup = Layers.GroupBy(l => l.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Layer name '{dup.Key}' is used twice; child names must be unique.");
        foreach (var l in Layers)
        {
            if (string.IsNullOrEmpty(l.Name) || l.Name.Contains('.'))
                throw new ArgumentException($"Layer {l.Type} has name '{l.Name}'; names must be non-empty and contain no '.'.");
            if (!Supported.Contains(l.Type))
                throw new NotSupportedException($"Layer '{l.Name}' has type '{l.Type}', which the kit cannot rebuild or export; supported: {string.Join(", ", Supported)}.");
        }
    }

    /// <summary>Layer types the kit rebuilds and exports to ONNX.</summary>
    public static IReadOnlyList<string> Supported { get; } =
        ["Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "ReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d", "BatchNorm2d", "Identity"];

    static T Need<T>(LayerSpec l, T? value, string field) where T : struct =>
        value ?? throw new ArgumentException($"Layer '{l.Name}' ({l.Type}) needs '{field}'.");
    static long[] Pair(LayerSpec l, long[]? value, string field, long[]? fallback = null)
    {
        var v = value ?? fallback ?? throw new ArgumentException($"Layer '{l.Name}' ({l.Type}) needs '{field}'.");
        if (v.Length != 2) throw new ArgumentException($"Layer '{l.Name}' ({l.Type}): '{field}' must have 2 entries, got {v.Length}.");
        return v;
    }

    static nn.Module<Tensor, Tensor> BuildLayer(LayerSpec l) => l.Type switch
    {
        "Linear" => nn.Linear(Need(l, l.In, "in"), Need(l, l.Out, "out"), l.Bias ?? true),
        "Conv2d" => nn.Conv2d(Need(l, l.In, "in"), Need(l, l.Out, "out"), (Pair(l, l.Kernel, "kernel")[0], l.Kernel![1]),
            stride: ToTuple(Pair(l, l.Stride, "stride", [1, 1])), padding: ToTuple(Pair(l, l.Padding, "padding", [0, 0])),
            dilation: ToTuple(Pair(l, l.Dilation, "dilation", [1, 1])), groups: l.Groups ?? 1, bias: l.Bias ?? true),
        "MaxPool2d" => nn.MaxPool2d(ToTuple(Pair(l, l.Kernel, "kernel")), ToTuple(Pair(l, l.Stride, "stride", l.Kernel)),
            ToTuple(Pair(l, l.Padding, "padding", [0, 0])), ToTuple(Pair(l, l.Dilation, "dilation", [1, 1])), l.CeilMode ?? false),
        "AvgPool2d" => nn.AvgPool2d(ToTuple(Pair(l, l.Kernel, "kernel")), ToTuple(Pair(l, l.Stride, "stride", l.Kernel)),
            ToTuple(Pair(l, l.Padding, "padding", [0, 0])), l.CeilMode ?? false, l.CountIncludePad ?? true),
        "Flatten" => nn.Flatten(l.StartDim ?? 1, l.EndDim ?? -1),
        "ReLU" => nn.ReLU(),
        "Sigmoid" => nn.Sigmoid(),
        "Tanh" => nn.Tanh(),
        "GELU" => nn.GELU(ParseApproximate(l)),
        "Softmax" => nn.Softmax(Need(l, l.Dim, "dim")),
        "LogSoftmax" => nn.LogSoftmax(Need(l, l.Dim, "dim")),
        "Dropout" => nn.Dropout(l.P ?? 0.5),
        "BatchNorm1d" => nn.BatchNorm1d(Need(l, l.Out, "out"), l.Eps ?? 1e-5, l.Momentum ?? 0.1, l.Affine ?? true),
        "BatchNorm2d" => nn.BatchNorm2d(Need(l, l.Out, "out"), l.Eps ?? 1e-5, l.Momentum ?? 0.1, l.Affine ?? true),
        "Identity" => nn.Identity(),
        _ => throw new NotSupportedException($"Layer '{l.Name}' has unsupported type '{l.Type}'."),
    };

    static (long, long) ToTuple(long[] v) => (v[0], v[1]);

    internal static bool TanhGelu(LayerSpec l) => ParseApproximate(l) == GELU.Approximate.tanh;

    static GELU.Approximate ParseApproximate(LayerSpec l) => (l.Approximate ?? "none") switch
    {
        "none" => GELU.Approximate.none,
        "tanh" => GELU.Approximate.tanh,
        var a => throw new ArgumentException($"Layer '{l.Name}' (GELU): approximate must be 'none' or 'tanh', got '{a}'."),
    };

    static LayerSpec Describe(string name, nn.Module module, bool allowQuantized) => module switch
    {
        NotebookKit.Compression.QuantizedLinear q when allowQuantized =>
            new LayerSpec { Type = "Linear", Name = name, In = q.InFeatures, Out = q.OutFeatures, Bias = q.Bias is not null },
        NotebookKit.Compression.QuantizedConv2d q when allowQuantized => new LayerSpec
        {
            Type = "Conv2d", Name = name, In = q.InChannels, Out = q.OutChannels, Kernel = [q.WeightInt8.shape[2], q.WeightInt8.shape[3]],
            Stride = q.Stride.ToArray(), Padding = q.Padding.ToArray(), Dilation = q.Dilation.ToArray(), Groups = q.Groups, Bias = q.Bias is not null,
        },
        NotebookKit.Compression.IQuantizedLayer => throw new NotSupportedException(
            $"Layer '{name}' is quantised ({module.GetType().Name}); packages and the float export hold float models. Export int8 with OnnxExport.ToInt8Bytes."),
        Linear m => new LayerSpec { Type = "Linear", Name = name, In = m.in_features, Out = m.out_features, Bias = m.bias is not null },
        Conv2d m => DescribeConv(name, m),
        MaxPool2d m => new LayerSpec { Type = "MaxPool2d", Name = name, Kernel = m.kernel_size, Stride = m.stride ?? m.kernel_size, Padding = m.padding ?? [0, 0], Dilation = m.dilation ?? [1, 1], CeilMode = m.ceil_mode },
        AvgPool2d m => m.divisor_override is not null
            ? throw new NotSupportedException($"Layer '{name}' (AvgPool2d) uses divisor_override, which the kit cannot export.")
            : new LayerSpec { Type = "AvgPool2d", Name = name, Kernel = m.kernel_size, Stride = m.stride ?? m.kernel_size, Padding = m.padding ?? [0, 0], CeilMode = m.ceil_mode, CountIncludePad = m.count_include_pad },
        Flatten m => new LayerSpec { Type = "Flatten", Name = name, StartDim = m.start_dim, EndDim = m.end_dim },
        ReLU => new LayerSpec { Type = "ReLU", Name = name },
        Sigmoid => new LayerSpec { Type = "Sigmoid", Name = name },
        Tanh => new LayerSpec { Type = "Tanh", Name = name },
        GELU m => new LayerSpec { Type = "GELU", Name = name, Approximate = m.approximate == GELU.Approximate.tanh ? "tanh" : "none" },
        Softmax m => new LayerSpec { Type = "Softmax", Name = name, Dim = m.dim },
        LogSoftmax m => new LayerSpec { Type = "LogSoftmax", Name = name, Dim = m.dim },
        Dropout m => new LayerSpec { Type = "Dropout", Name = name, P = m.p },
        BatchNorm1d m => DescribeBatchNorm("BatchNorm1d", name, m),
        BatchNorm2d m => DescribeBatchNorm("BatchNorm2d", name, m),
        Identity => new LayerSpec { Type = "Identity", Name = name },
        _ => throw new NotSupportedException(
            $"Layer '{name}' is a {module.GetType().Name}, which the kit cannot export; supported: {string.Join(", ", Supported)}."),
    };

    static LayerSpec DescribeConv(string name, Conv2d m)
    {
        if (m.padding_type is not null || m.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"Layer '{name}' (Conv2d) uses padding mode {m.padding_type?.ToString() ?? m.padding_mode.ToString()}; only explicit zero padding exports.");
        return new LayerSpec
        {
            Type = "Conv2d", Name = name, In = m.in_channels, Out = m.out_channels, Kernel = m.kernel_size, Stride = m.stride,
            Padding = m.padding, Dilation = m.dilation, Groups = m.groups, Bias = m.bias is not null,
        };
    }

    static LayerSpec DescribeBatchNorm(string type, string name, BatchNorm m)
    {
        if (!m.track_running_stats || m.running_mean is null)
            throw new NotSupportedException($"Layer '{name}' ({type}) has no running statistics; it cannot be exported for inference.");
        return new LayerSpec { Type = type, Name = name, Out = m.num_features, Eps = m.eps, Momentum = m.momentum, Affine = m.affine };
    }

    static long[] LayerOutput(LayerSpec l, long[] s)
    {
        ArgumentException Bad(string why) => new($"Layer '{l.Name}' ({l.Type}) does not fit its input [batch, {string.Join(", ", s)}]: {why}.");
        switch (l.Type)
        {
            case "Linear":
                if (s[^1] != l.In) throw Bad($"in_features is {l.In}");
                return [.. s[..^1], Need(l, l.Out, "out")];
            case "Conv2d":
            {
                if (s.Length != 3) throw Bad("Conv2d needs [batch, channels, height, width]");
                if (s[0] != l.In) throw Bad($"in_channels is {l.In}");
                var (k, st, p, d) = (Pair(l, l.Kernel, "kernel"), Pair(l, l.Stride, "stride", [1, 1]), Pair(l, l.Padding, "padding", [0, 0]), Pair(l, l.Dilation, "dilation", [1, 1]));
                long groups = l.Groups ?? 1;
                if (groups < 1 || s[0] % groups != 0 || Need(l, l.Out, "out") % groups != 0) throw Bad($"groups {groups} must divide in and out channels");
                var h = PoolSize(s[1], k[0], st[0], p[0], d[0], false); var w = PoolSize(s[2], k[1], st[1], p[1], d[1], false);
                if (h < 1 || w < 1) throw Bad("the kernel is larger than the padded input");
                return [l.Out!.Value, h, w];
            }
            case "MaxPool2d":
            case "AvgPool2d":
            {
                if (s.Length != 3) throw Bad($"{l.Type} needs [batch, channels, height, width]");
                var (k, st, p) = (Pair(l, l.Kernel, "kernel"), Pair(l, l.Stride, "stride", l.Kernel), Pair(l, l.Padding, "padding", [0, 0]));
                var d = l.Type == "MaxPool2d" ? Pair(l, l.Dilation, "dilation", [1, 1]) : [1, 1];
                if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) throw Bad("padding must be at most half the kernel");
                bool ceil = l.CeilMode ?? false;
                var h = PoolSize(s[1], k[0], st[0], p[0], d[0], ceil); var w = PoolSize(s[2], k[1], st[1], p[1], d[1], ceil);
                if (h < 1 || w < 1) throw Bad("the window is larger than the padded input");
                return [s[0], h, w];
            }
            case "Flatten":
            {
                int rank = s.Length + 1;
                long start = l.StartDim ?? 1, end = l.EndDim ?? -1;
                if (start < 0) start += rank;
                if (end < 0) end += rank;
                if (start < 1) throw Bad("flattening the batch dimension (start_dim 0) is not supported; use start_dim 1");
                if (end >= rank || start > end) throw Bad($"start_dim {l.StartDim} / end_dim {l.EndDim} out of range");
                var merged = s[(int)(start - 1)..(int)end].Aggregate(1L, (a, b) => a * b);
                return [.. s[..(int)(start - 1)], merged, .. s[(int)end..]];
            }
            case "Softmax":
            case "LogSoftmax":
            {
                long dim = Need(l, l.Dim, "dim"), rank = s.Length + 1;
                if (dim < 0) dim += rank;
                if (dim < 1 || dim >= rank) throw Bad($"dim {l.Dim} must be a non-batch dimension");
                return s;
            }
            case "BatchNorm1d":
                if (s.Length is not (1 or 2) || s[0] != l.Out) throw Bad($"BatchNorm1d({l.Out}) needs [batch, {l.Out}] or [batch, {l.Out}, length]");
                return s;
            case "BatchNorm2d":
                if (s.Length != 3 || s[0] != l.Out) throw Bad($"BatchNorm2d({l.Out}) needs [batch, {l.Out}, height, width]");
                return s;
            case "Dropout":
                if (l.P is < 0 or >= 1) throw Bad($"dropout p {l.P} must be in [0, 1)");
                return s;
            default:
                if (l.Type == "GELU") ParseApproximate(l);
                return s;
        }
    }

    /// <summary>PyTorch's output size: floor or ceil of (n + 2p - d(k-1) - 1)/s + 1; with ceil, the last window must start inside the input or left padding.</summary>
    internal static long PoolSize(long n, long k, long s, long p, long d, bool ceil)
    {
        if (k < 1 || s < 1 || p < 0 || d < 1) return 0;
        long span = n + 2 * p - d * (k - 1) - 1;
        if (span < 0) return 0;
        long o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= n + p) o--;
        return o;
    }
}
