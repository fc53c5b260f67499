using NotebookKit.Compression;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Compression;

public class PruningTests
{
    public PruningTests() => Kit.Setup(seed: 5);

    static float[] Values(Tensor t) => t.detach().to_type(ScalarType.Float32).cpu().data<float>().ToArray();

    [Fact]
    public void The_count_pruned_is_amount_times_n_rounded_half_to_even_as_python_round()
    {
        Assert.Equal(2, Pruning.CountToPrune(0.5, 5));   // round(2.5) = 2
        Assert.Equal(4, Pruning.CountToPrune(0.5, 7));   // round(3.5) = 4
        Assert.Equal(3, Pruning.CountToPrune(0.3, 10));
        Assert.Equal(0, Pruning.CountToPrune(0.0, 10));
        Assert.Equal(10, Pruning.CountToPrune(1.0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pruning.CountToPrune(1.5, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pruning.CountToPrune(double.NaN, 10));
    }

    [Fact]
    public void L1_unstructured_zeroes_the_k_smallest_magnitudes()
    {
        var w = tensor(new float[] { 0.5f, -0.1f, 0.3f, -0.9f, 0.2f, 0.05f });
        var mask = Pruning.L1UnstructuredMask(w, 0.5); // k = 3: 0.05, -0.1, 0.2
        Assert.Equal(new float[] { 1, 0, 1, 1, 0, 0 }, Values(mask));
    }

    [Fact]
    public void Pruning_again_takes_the_amount_of_the_weights_still_unpruned()
    {
        var w = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        var first = Pruning.L1UnstructuredMask(w, 0.5);            // prunes 1..4
        var second = Pruning.L1UnstructuredMask(w, 0.5, first);    // round(0.5 x 4) = 2 more: 5, 6
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 1, 1 }, Values(second));
    }

    [Fact]
    public void Global_pruning_uses_one_threshold_across_layers_where_per_layer_pruning_does_not()
    {
        var a = tensor(new float[] { 1, 2, 3, 4 });
        var b = tensor(new float[] { 10, 20, 30, 0.5f });
        var (masks, threshold) = Pruning.GlobalL1Masks([a, b], 0.5); // k = 4 of 8: 0.5, 1, 2, 3
        Assert.Equal(new float[] { 0, 0, 0, 1 }, Values(masks[0]));
        Assert.Equal(new float[] { 1, 1, 1, 0 }, Values(masks[1]));
        Assert.Equal(3.0, threshold);
        Assert.Equal(new float[] { 0, 0, 1, 1 }, Values(Pruning.L1UnstructuredMask(a, 0.5)));
        Assert.Equal(new float[] { 0, 1, 1, 0 }, Values(Pruning.L1UnstructuredMask(b, 0.5)));
    }

    [Fact]
    public void Pruner_prunes_a_model_to_exact_counts_per_layer_and_globally()
    {
        var model = Models.Mlp(64, [32, 16], 10); // weights: 2048, 512, 160 = 2720
        var perLayer = Pruner.ForModel(model).PruneLayerwise(0.3);
        var zeros = model.modules().OfType<Linear>().Select(l => l.weight!.numel() - l.weight!.count_nonzero().item<long>()).ToArray();
        Assert.Equal(new long[] { 614, 154, 48 }, zeros); // round(0.3 x 2048) = 614 (614.4), round(153.6) = 154, 48

        var global = Models.Mlp(64, [32, 16], 10);
        var pruner = Pruner.ForModel(global).PruneGlobal(0.6);
        Assert.Equal(2720, pruner.TotalWeights);
        Assert.Equal(Math.Round(0.6 * 2720), pruner.Sparsity * 2720, 6);
        var all = cat(global.modules().OfType<Linear>().Select(l => l.weight!.detach().abs().flatten()).ToArray());
        var kept = all.masked_select(all.ne(0));
        Assert.True(kept.min().item<float>() >= pruner.LastThreshold, "a kept weight is below the global threshold");
        Assert.Equal(1632, all.le(pruner.LastThreshold).sum().item<long>()); // exactly k at or below it (distinct random weights)
    }

    [Fact]
    public void Masks_reapplied_after_each_step_keep_pruned_weights_at_zero_while_fine_tuning()
    {
        var (x, y) = (randn(256, 8), randint(0, 3, [256]));
        var model = Models.Mlp(8, [16], 3);
        var pruner = Pruner.ForModel(model).PruneGlobal(0.5);
        var zerosBefore = ZeroPattern(model);
        Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.Adam(model.parameters(), 0.01),
            new TrainOptions { Epochs = 3, BatchSize = 32, ProgressEvery = 0, AfterStep = pruner.ApplyMasks });
        Assert.True(ZeroPattern(model).SequenceEqual(zerosBefore), "pruned weights came back");
        pruner.MakePermanent();
        Assert.False(pruner.HasMasks);
        Assert.Equal(0.5, pruner.Sparsity, 6);

        // Without the hook the optimiser revives them: the hook is what holds the sparsity.
        var unmasked = Models.Mlp(8, [16], 3);
        var loose = Pruner.ForModel(unmasked).PruneGlobal(0.5);
        Trainer.Fit(unmasked, x, y, Losses.CrossEntropy, optim.Adam(unmasked.parameters(), 0.01), new TrainOptions { Epochs = 1, BatchSize = 32, ProgressEvery = 0 });
        Assert.True(loose.Sparsity < 0.1);
    }

    static bool[] ZeroPattern(nn.Module model) =>
        model.modules().OfType<Linear>().SelectMany(l => Values(l.weight!).Select(v => v == 0)).ToArray();

    [Fact]
    public void The_cubic_schedule_prunes_fast_first_and_ends_at_the_target()
    {
        var s = Pruning.CubicSchedule(0.9, 4);
        Assert.Equal(0.9 * (1 - Math.Pow(0.75, 3)), s[0], 12);
        Assert.Equal(0.9, s[^1], 12);
        Assert.True(s.Zip(s.Skip(1)).All(p => p.Second > p.First));
        Assert.True(s[0] > s[3] - s[2]);
    }

    [Fact]
    public void Iterative_pruning_reaches_each_target_sparsity_and_fine_tunes_in_between()
    {
        var model = Models.Mlp(8, [32], 3);
        var (x, y) = (randn(128, 8), randint(0, 3, [128]));
        int fineTunes = 0;
        var pruner = Pruner.ForModel(model);
        var steps = pruner.Iterate([0.5, 0.75, 0.9], p =>
        {
            fineTunes++;
            Trainer.Fit(model, x, y, Losses.CrossEntropy, optim.SGD(model.parameters(), 0.05), new TrainOptions { Epochs = 1, ProgressEvery = 0, AfterStep = p.ApplyMasks });
        }, () => Trainer.Accuracy(model, x, y));
        Assert.Equal(3, fineTunes);
        long n = pruner.TotalWeights; // 8*32 + 32*3 = 352
        Assert.Equal(new[] { 176.0, 264, 317 }, steps.Select(s => Math.Round(s.Sparsity * n)).ToArray()); // round(0.9 x 352) = 317 (316.8)
    }

    [Fact]
    public void Structured_pruning_shrinks_an_mlp_and_equals_zeroing_the_weakest_neurons()
    {
        var model = Models.Mlp(20, [12, 8], 4);
        var small = Pruning.ShrinkStructured(model, 0.5);
        var linears = small.modules().OfType<Linear>().ToArray();
        Assert.Equal(new long[] { 6, 4, 4 }, linears.Select(l => l.out_features).ToArray());
        Assert.Equal(new long[] { 20, 6, 4 }, linears.Select(l => l.in_features).ToArray());
        Assert.True(CompressionMeasure.Parameters(small) < CompressionMeasure.Parameters(model) / 2);

        // The same network with the removed neurons switched off (weights and bias zero, ReLU(0) = 0) computes the same function.
        ZeroWeakestUnits(model.modules().OfType<Linear>().Take(2).Select(l => (l.weight!, l.bias!)), 0.5);
        var x = randn(10, 20);
        Assert.True(Trainer.Predict(small, x).allclose(Trainer.Predict(model, x), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Structured_pruning_removes_convolution_channels_through_pooling_and_flatten()
    {
        var cnn = nn.Sequential(("conv1", nn.Conv2d(1, 8, 3, padding: 1)), ("relu1", nn.ReLU()), ("pool", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(8, 6, 3, padding: 1)), ("relu2", nn.ReLU()), ("flatten", nn.Flatten()), ("fc", nn.Linear(6 * 4 * 4, 10)));
        var small = Pruning.ShrinkStructured(cnn, 0.5);
        var convs = small.modules().OfType<Conv2d>().ToArray();
        Assert.Equal(new long[] { 4, 3 }, convs.Select(c => c.out_channels).ToArray());
        Assert.Equal(3 * 4 * 4, small.modules().OfType<Linear>().Single().in_features);

        ZeroWeakestUnits(cnn.modules().OfType<Conv2d>().Select(c => (c.weight!, c.bias!)), 0.5);
        var x = randn(5, 1, 8, 8);
        Assert.True(Trainer.Predict(small, x).allclose(Trainer.Predict(cnn, x), rtol: 1e-5, atol: 1e-6));
    }

    static void ZeroWeakestUnits(IEnumerable<(Parameter Weight, Parameter Bias)> layers, double amount)
    {
        using var _ = no_grad();
        foreach (var (w, b) in layers)
        {
            var norms = Values(w.abs().reshape(w.shape[0], -1).sum(1));
            int remove = (int)Math.Round(amount * norms.Length, MidpointRounding.ToEven);
            foreach (var unit in norms.Select((v, i) => (v, i)).OrderBy(p => p.v).Take(remove).Select(p => p.i))
            {
                w[unit].zero_();
                b[unit].zero_();
            }
        }
    }

    [Fact]
    public void Structured_pruning_rejects_layers_it_cannot_follow()
    {
        var withNorm = Models.Mlp(4, [8], 2, batchNorm: true);
        var e = Assert.Throws<ArgumentException>(() => Pruning.ShrinkStructured(withNorm, 0.5));
        Assert.Contains("batchnorm0", e.Message);
        Assert.Throws<ArgumentException>(() => Pruning.ShrinkStructured(Models.Mlp(4, [2], 2), 1.0));
    }
}
