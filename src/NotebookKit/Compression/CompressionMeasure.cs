using System.Diagnostics;
using System.IO.Compression;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookKit.Compression;

/// <summary>Measurements behind the compression comparison (07-model-compression): sizes, counts, latency.</summary>
public static class CompressionMeasure
{
    /// <summary>Bytes of the model's saved state (TorchSharp's module.save format: every parameter and buffer at its dtype).</summary>
    public static long SizeOnDisk(Module model) => Saved(model).LongLength;

    /// <summary>Bytes of the saved state after gzip: zeros left by unstructured pruning compress, dense float noise hardly does.</summary>
    public static long GzipSizeOnDisk(Module model)
    {
        var bytes = Saved(model);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return output.Length;
    }

    static byte[] Saved(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = Path.Combine(Path.GetTempPath(), $"nbkit-size-{Guid.NewGuid():N}.bin");
        try
        {
            model.save(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Weights and biases of the model: float parameters plus the integer weights and biases of quantised layers.</summary>
    public static long Parameters(Module model) => WeightTensors(model).Sum(t => t.numel());

    /// <summary>Weights and biases that are not exactly zero (for a quantised weight: integer not equal to its zero point).</summary>
    public static long NonZeroParameters(Module model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long count = 0;
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is IQuantizedLayer q)
            {
                var zero = q.Params.Axis is null ? q.ZeroPoints : q.ZeroPoints.reshape([-1, .. Enumerable.Repeat(1L, (int)q.WeightInt8.dim() - 1)]);
                count += q.WeightInt8.to_type(ScalarType.Int64).ne(zero).sum().item<long>();
                if (q.Bias is not null) count += q.Bias.count_nonzero().item<long>();
            }
            else
            {
                foreach (var (_, p) in module.named_parameters(recurse: false)) count += p.count_nonzero().item<long>();
            }
        }
        return count;
    }

    static IEnumerable<Tensor> WeightTensors(Module model)
    {
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is IQuantizedLayer q)
            {
                yield return q.WeightInt8;
                if (q.Bias is not null) yield return q.Bias;
            }
            else
            {
                foreach (var (_, p) in module.named_parameters(recurse: false)) yield return p;
            }
        }
    }

    /// <summary>
    /// Median wall-clock milliseconds of one forward pass on <paramref name="input"/> (eval mode, no_grad, on the
    /// model's device), after <paramref name="warmup"/> untimed passes. The median resists noise from a shared machine.
    /// </summary>
    public static double LatencyMs(Module<Tensor, Tensor> model, Tensor input, int repeats = 50, int warmup = 5)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "Repeats must be at least 1.");
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var outer = NewDisposeScope(); // frees the device copy, never the caller's tensor
            var x = input.to(Trainer.DeviceOf(model));
            return MedianMs(() => { using var scope = NewDisposeScope(); Sync(model.call(x)); }, repeats, warmup);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>
    /// Median wall-clock milliseconds of <paramref name="run"/> over <paramref name="repeats"/> timed calls, after
    /// <paramref name="warmup"/> untimed ones (08 times ONNX Runtime sessions with it).
    /// </summary>
    public static double MedianMs(Action run, int repeats = 50, int warmup = 5)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "Repeats must be at least 1.");
        for (int i = 0; i < warmup; i++) run();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return repeats % 2 == 1 ? times[repeats / 2] : (times[repeats / 2 - 1] + times[repeats / 2]) / 2;
    }

    // Reading one value waits for asynchronous devices (CUDA) to finish the pass.
    static void Sync(Tensor output) => output.flatten()[0].cpu().item<float>();
}
