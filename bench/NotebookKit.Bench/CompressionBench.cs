using NotebookKit.Compression;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Bench;

/// <summary>
/// CPU inference latency of compressed variants of notebook 07's 64-512-256-10 MLP, each beside the fp32 model in the
/// same run (the anchor), on one torch thread. Speed-up above 1 means the variant is faster than fp32. Issue 6 asks
/// for an honest answer to "is int8 faster here?".
/// </summary>
public sealed class CompressionBench : IBenchmarkGroup
{
    public string Name => "compression";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            random.manual_seed(0);
            var baseline = Models.Mlp(64, [512, 256], 10);
            var variants = new (string Name, nn.Module<Tensor, Tensor> Model)[]
            {
                ("int8 weights, per channel", Quantization.QuantizeModel(baseline)),
                ("int8 weights + dynamic activations", Quantization.QuantizeModel(baseline, new QuantizeOptions { DynamicActivations = true })),
                ("90% unstructured sparsity (dense kernels)", Pruned(baseline)),
                ("structured: 75% of neurons removed", Pruning.ShrinkStructured(baseline, 0.75)),
            };
            int repeats = options.Quick ? 50 : 300;
            var results = new List<BenchResult>();
            foreach (int batch in new[] { 1, 256 })
            {
                using var x = rand(batch, 64);
                double fp32 = CompressionMeasure.LatencyMs(baseline, x, repeats, warmup: 20) / 1000;
                foreach (var (name, model) in variants)
                    results.Add(new BenchResult($"{name}, batch {batch}", CompressionMeasure.LatencyMs(model, x, repeats, warmup: 20) / 1000, fp32,
                        "fp32 MLP", $"median of {repeats}"));
            }
            return results;
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    static nn.Module<Tensor, Tensor> Pruned(nn.Module<Tensor, Tensor> baseline)
    {
        var copy = Models.Mlp(64, [512, 256], 10);
        copy.load_state_dict(baseline.state_dict());
        Pruner.ForModel(copy).PruneGlobal(0.9).MakePermanent();
        return copy;
    }
}
