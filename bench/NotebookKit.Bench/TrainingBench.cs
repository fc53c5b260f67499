using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Bench;

/// <summary>
/// One epoch of a 784-256-128-10 MLP (batch 128, Adam, synthetic 60k x 784) through a bare TorchSharp loop and
/// through the kit's Trainer, in the same process; achieved GFLOP/s beside a 2048x2048 matmul as the roofline.
/// </summary>
public sealed class TrainingBench : IBenchmarkGroup
{
    public string Name => "training";

    const int Rows = 60_000, Inputs = 784, BatchSize = 128;
    // Forward multiply-adds per row: 784*256 + 256*128 + 128*10; training ~ 3x forward (forward, input and weight grads).
    const double FlopsPerEpoch = 3 * 2.0 * (784 * 256 + 256 * 128 + 128 * 10) * Rows;

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        int repeats = options.Quick ? 1 : 3;
        var generator = new Generator(0);
        var x = randn(new long[] { Rows, Inputs }, generator: generator);
        var y = randint(0, 10, [Rows], generator: generator);

        double matmul;
        using (var a = randn(2048, 2048)) using (var b = randn(2048, 2048))
            matmul = Measure.Best(() => { using var c = a.matmul(b); }, repeats: 5);
        double matmulGflops = 2.0 * 2048 * 2048 * 2048 / matmul / 1e9;

        // Alternate the two loops so drift in machine load hits both alike; keep the best of each.
        double bare = double.MaxValue, kit = double.MaxValue;
        BareEpoch(x, y); KitEpoch(x, y); // warm-up
        for (int r = 0; r < repeats; r++)
        {
            bare = Math.Min(bare, Time(() => BareEpoch(x, y)));
            kit = Math.Min(kit, Time(() => KitEpoch(x, y)));
        }
        double ratio = kit / bare;
        yield return new BenchResult("2048x2048 matmul (float32)", matmul, null, "-", $"{matmulGflops:0} GFLOP/s (roofline)");
        yield return new BenchResult("MLP 784-256-128-10 epoch, 60k rows, batch 128, Adam", kit, bare, "bare TorchSharp loop",
            $"trainer/bare = {ratio:0.000}; trainer {FlopsPerEpoch / kit / 1e9:0.0} GFLOP/s, bare {FlopsPerEpoch / bare / 1e9:0.0} GFLOP/s = {FlopsPerEpoch / bare / 1e9 / matmulGflops:P0} of matmul");
    }

    static double Time(Action action)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    static nn.Module<Tensor, Tensor> Model()
    {
        manual_seed(0);
        return Models.Mlp(Inputs, [256, 128], 10);
    }

    /// <summary>The loop every TorchSharp tutorial writes: shuffle, slice a batch, forward, backward, step.</summary>
    static void BareEpoch(Tensor x, Tensor y)
    {
        using var model = Model();
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        model.train();
        using var order = randperm(Rows, generator: new Generator(1));
        for (long start = 0; start < Rows; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(BatchSize, Rows - start));
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(x.index_select(0, index)), y.index_select(0, index));
            loss.backward();
            optimizer.step();
        }
    }

    static void KitEpoch(Tensor x, Tensor y)
    {
        using var model = Model();
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        Trainer.Fit(model, x, y, Losses.CrossEntropy, optimizer, new TrainOptions { Epochs = 1, BatchSize = BatchSize, ProgressEvery = 0, Seed = 1 });
    }
}
