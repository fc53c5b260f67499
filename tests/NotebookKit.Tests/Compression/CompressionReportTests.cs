using System.Diagnostics;
using NotebookKit.Compression;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Compression;

public class CompressionReportTests
{
    public CompressionReportTests() => Kit.Setup(seed: 9);

    [Fact]
    public void Parameters_count_weights_and_biases_and_pruned_zeros_leave_the_non_zero_count()
    {
        var model = Models.Mlp(10, [20], 3); // 10*20 + 20 + 20*3 + 3 = 283
        Assert.Equal(283, CompressionMeasure.Parameters(model));
        Pruner.ForModel(model).PruneGlobal(0.5).MakePermanent(); // 130 of 260 weights
        Assert.Equal(283 - 130, CompressionMeasure.NonZeroParameters(model));
        var quantised = Quantization.QuantizeModel(model);
        Assert.Equal(283, CompressionMeasure.Parameters(quantised));
        Assert.Equal(283 - 130, CompressionMeasure.NonZeroParameters(quantised)); // zero weights quantise to the zero point
    }

    [Fact]
    public void The_report_measures_each_variant_and_renders_a_row_per_model()
    {
        var (x, y) = (randn(300, 10), randint(0, 3, [300]));
        var model = Models.Mlp(10, [64], 3);
        var report = new CompressionReport(batchSize: 64, repeats: 3);
        var baseline = report.Add("baseline", model, x, y);
        var pruned = Models.Mlp(10, [64], 3);
        pruned.load_state_dict(model.state_dict());
        Pruner.ForModel(pruned).PruneGlobal(0.9).MakePermanent();
        var sparse = report.Add("pruned", pruned, x, y);

        Assert.Equal(baseline.Bytes, sparse.Bytes);                 // dense zeros take the same room...
        Assert.True(sparse.GzipBytes < baseline.GzipBytes / 2);     // ...until compressed
        Assert.Equal(Trainer.Accuracy(model, x, y), baseline.Accuracy, 12);
        Assert.InRange(baseline.MacroF1, 0, 1);
        Assert.True(double.IsNaN(baseline.LatencyPerBatchMs));      // not timed until all are timed together
        Assert.Contains("not timed yet", report.ToPlainText());
        Assert.Same(report, report.TimeLatency(warmup: 1));
        Assert.True(baseline.LatencyPerSampleMs > 0 && baseline.LatencyPerBatchMs > 0);
        Assert.True(sparse.LatencyPerSampleMs > 0 && sparse.LatencyPerBatchMs > 0);
        Assert.Equal(3, report.TimedRounds);
        Assert.Equal(OperatingSystem.IsLinux() ? TimingClock.ThreadCpu : TimingClock.Wall, report.Clock);
        Assert.True(model.training);                                 // timing leaves the training mode as it was
        Assert.Equal(64, baseline.BatchSize);
        var text = report.ToPlainText();
        Assert.Contains("baseline", text);
        Assert.Contains("pruned", text);
        Assert.Contains("<table", report.ToHtml());
        Assert.Throws<KeyNotFoundException>(() => report["missing"]);
        Assert.Throws<ArgumentException>(() => report.Add("bad", model, x, y.narrow(0, 0, 10)));
        Assert.Throws<ArgumentException>(() => report.Add("pruned", pruned, x, y));   // names identify rows
    }

    [Fact]
    public void Latency_measurement_leaves_the_input_alive_and_leaks_no_tensors()
    {
        var model = Models.Mlp(10, [16], 3);
        var x = randn(4, 10);
        CompressionMeasure.LatencyMs(model, x, repeats: 3, warmup: 1);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        CompressionMeasure.LatencyMs(model, x, repeats: 20, warmup: 2);
        Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - before <= 1, $"live tensors grew from {before} to {DisposeScopeManager.Statistics.ThreadTotalLiveCount}");
        Assert.False(float.IsNaN(x.sum().item<float>())); // the caller's tensor was not disposed
        Assert.Throws<ArgumentOutOfRangeException>(() => CompressionMeasure.LatencyMs(model, x, repeats: 0));
    }

    [Fact]
    public void A_saved_quantised_model_loads_back_with_its_int8_weights()
    {
        var model = Models.Mlp(16, [32], 4);
        var quantised = Quantization.QuantizeModel(model);
        var path = Path.Combine(Path.GetTempPath(), $"nbkit-q-{Guid.NewGuid():N}.bin");
        try
        {
            quantised.save(path);
            var other = Quantization.QuantizeModel(Models.Mlp(16, [32], 4)); // different weights, same structure
            other.load(path);
            var x = randn(8, 16);
            Assert.True(Trainer.Predict(other, x).allclose(Trainer.Predict(quantised, x)));
            var layer = other.modules().OfType<IQuantizedLayer>().First();
            Assert.Equal(ScalarType.Int8, layer.WeightInt8.dtype);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public class MedianTimingTests
{
    [Fact]
    public void Median_timing_runs_the_warmup_untimed_and_takes_the_middle_of_the_timed_calls()
    {
        int calls = 0;
        // Timed calls 1..5 sleep 0, 0, 30, 30, 30 ms: the median is one of the 30 ms calls.
        double ms = NotebookKit.Compression.CompressionMeasure.MedianMs(() =>
        {
            calls++;
            if (calls > 4) Thread.Sleep(30);
        }, repeats: 5, warmup: 2);
        Assert.Equal(7, calls);
        Assert.InRange(ms, 25, 1000);
        Assert.Throws<ArgumentOutOfRangeException>(() => NotebookKit.Compression.CompressionMeasure.MedianMs(() => { }, repeats: 0));
    }

    [Fact]
    public void Interleaved_timing_warms_every_run_up_first_then_calls_each_once_per_round_in_rotating_order()
    {
        var calls = new List<int>();
        var runs = Enumerable.Range(0, 3).Select(i => (Action)(() => calls.Add(i))).ToArray();
        var ms = CompressionMeasure.InterleavedMedianMs(runs, repeats: 4, warmup: 2);
        Assert.Equal(3, ms.Length);
        Assert.Equal([0, 0, 1, 1, 2, 2], calls.Take(6));                       // warm-up, untimed
        Assert.Equal([0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2], calls.Skip(6));     // each round starts one further on
        Assert.Throws<ArgumentException>(() => CompressionMeasure.InterleavedMedianMs([], repeats: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => CompressionMeasure.InterleavedMedianMs(runs, repeats: 0));
    }

    [Fact]
    public void Thread_cpu_timing_runs_libtorch_on_one_thread_and_restores_its_setting()
    {
        Assert.True(TimingClocks.ThreadCpuAvailable, "thread CPU time is read on Linux, where the tests run");
        int before = torch.get_num_threads();
        torch.set_num_threads(2);
        try
        {
            var seen = new List<int>();
            CompressionMeasure.InterleavedMedianMs([() => seen.Add(torch.get_num_threads())], repeats: 2, warmup: 1,
                clock: TimingClock.ThreadCpu);
            Assert.Equal([1, 1, 1], seen);               // the clock counts the calling thread only
            Assert.Equal(2, torch.get_num_threads());
            CompressionMeasure.InterleavedMedianMs([() => seen.Add(torch.get_num_threads())], repeats: 1, warmup: 0);
            Assert.Equal(2, seen[^1]);                    // wall-clock timing keeps every thread
        }
        finally { torch.set_num_threads(before); }
    }

    [Fact]
    public void A_busy_spell_falls_on_every_interleaved_run_alike_instead_of_on_the_first_one_timed()
    {
        // Two identical runs; the machine is "busy" (20 ms per call) for the first 5 timed calls. One after the
        // other, all of the first run's 5 repeats fall in the spell; interleaved, each run gets 2 or 3 of its 9.
        int call = 0;
        Action Run() => () => { if (call++ < 5) Thread.Sleep(20); };
        call = 0;
        double first = CompressionMeasure.MedianMs(Run(), repeats: 5, warmup: 0);
        double second = CompressionMeasure.MedianMs(Run(), repeats: 5, warmup: 0);
        Assert.True(first > 15 && second < 5, $"sequential: {first:0.0} ms vs {second:0.0} ms");
        call = 0;
        var both = CompressionMeasure.InterleavedMedianMs([Run(), Run()], repeats: 9, warmup: 0);
        Assert.True(both.All(m => m < 5), $"interleaved: {both[0]:0.0} ms and {both[1]:0.0} ms");
    }
}

public class TimingClockTests
{
    [Fact]
    public void Thread_cpu_time_stands_still_while_the_thread_sleeps_and_advances_while_it_works()
    {
        if (!TimingClocks.ThreadCpuAvailable) return; // Linux only; elsewhere reports use wall-clock time
        double wall = TimingClocks.NowMs(TimingClock.Wall), cpu = TimingClocks.NowMs(TimingClock.ThreadCpu);
        Thread.Sleep(50);
        Assert.True(TimingClocks.NowMs(TimingClock.Wall) - wall >= 45);
        Assert.True(TimingClocks.NowMs(TimingClock.ThreadCpu) - cpu < 10);
        cpu = TimingClocks.NowMs(TimingClock.ThreadCpu);
        var spin = Stopwatch.StartNew();
        double sink = 0;
        while (spin.ElapsedMilliseconds < 30) sink += Math.Sqrt(sink + 1);
        Assert.True(TimingClocks.NowMs(TimingClock.ThreadCpu) - cpu > 1, $"spun to {sink}");
        Assert.Equal(TimingClock.ThreadCpu, TimingClocks.Best(onCpu: true));
        Assert.Equal(TimingClock.Wall, TimingClocks.Best(onCpu: false));
    }
}
