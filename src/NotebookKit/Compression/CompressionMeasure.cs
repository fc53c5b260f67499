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
            return MedianMs(ForwardPass(model, input), repeats, warmup);
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
        return Median(times);
    }

    /// <summary>
    /// Median wall-clock milliseconds of each of <paramref name="runs"/>, timed in turn: after <paramref name="warmup"/>
    /// untimed calls of every run, each of <paramref name="repeats"/> rounds calls every run once, starting one place
    /// further along each round. Timing variants one after the other lets a warm-up or a busy spell of a shared
    /// machine fall on one of them; interleaved, it falls on all alike, so their medians can be compared.
    /// <paramref name="clock"/> chooses wall-clock or the thread's CPU time (<see cref="TimingClock"/>); with the
    /// thread's CPU time, libtorch runs on one intra-op thread while timing (its setting is restored after).
    /// </summary>
    public static double[] InterleavedMedianMs(IReadOnlyList<Action> runs, int repeats = 50, int warmup = 5,
        TimingClock clock = TimingClock.Wall)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("Give at least one run to time.", nameof(runs));
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), "Repeats must be at least 1.");
        if (warmup < 0) throw new ArgumentOutOfRangeException(nameof(warmup), "Warm-up calls cannot be negative.");
        // The thread's CPU time misses work on other intra-op threads: time on one, as the clock assumes.
        int threads = torch.get_num_threads();
        if (clock == TimingClock.ThreadCpu && threads != 1) torch.set_num_threads(1);
        try
        {
            foreach (var run in runs)
                for (int i = 0; i < warmup; i++) run();
            var times = runs.Select(_ => new double[repeats]).ToArray();
            for (int round = 0; round < repeats; round++)
                for (int k = 0; k < runs.Count; k++)
                {
                    int which = (round + k) % runs.Count;
                    double start = TimingClocks.NowMs(clock);
                    runs[which]();
                    times[which][round] = TimingClocks.NowMs(clock) - start;
                }
            return times.Select(Median).ToArray();
        }
        finally
        {
            if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
        }
    }

    /// <summary>
    /// One forward pass of <paramref name="model"/> on <paramref name="input"/> (copied to the model's device once, in
    /// the caller's dispose scope), waited for: the unit that latency is timed in. The caller sets eval mode and no_grad.
    /// </summary>
    internal static Action ForwardPass(Module<Tensor, Tensor> model, Tensor input)
    {
        var x = input.to(Trainer.DeviceOf(model));
        return () => { using var scope = NewDisposeScope(); Sync(model.call(x)); };
    }

    static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    // Reading one value waits for asynchronous devices (CUDA) to finish the pass.
    static void Sync(Tensor output) => output.flatten()[0].cpu().item<float>();
}
