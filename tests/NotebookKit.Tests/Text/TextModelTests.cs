using NotebookKit.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Text;

public class TextModelTests
{
    [Fact]
    public void PaddingDoesNotChangeATransformersOrEmbeddingBagsOutput()
    {
        torch.manual_seed(1);
        var device = CPU;
        using var transformer = TextModels.Transformer(vocabulary: 20, maxLength: 8, device: device);
        using var bag = TextModels.EmbeddingBag(vocabulary: 20, dimensions: 8, device: device);
        using var shortIds = tensor(new long[] { 5, 7, 9, 0 }, [1, 4]);
        using var longIds = tensor(new long[] { 5, 7, 9, 0, 0, 0, 0, 0 }, [1, 8]);
        foreach (nn.Module<Tensor, Tensor> model in new nn.Module<Tensor, Tensor>[] { transformer, bag })
        {
            var a = TextModels.Probabilities(model, shortIds)[0];
            var b = TextModels.Probabilities(model, longIds)[0];
            Assert.Equal(a, b, 1e-6);
        }
        // ...while a real token does change it: the mask is not hiding everything.
        using var other = tensor(new long[] { 5, 7, 3, 0 }, [1, 4]);
        Assert.NotEqual(TextModels.Probabilities(transformer, shortIds)[0], TextModels.Probabilities(transformer, other)[0], 1e-6);
    }

    [Fact]
    public void AnAllPaddingMessageGivesAFiniteProbability()
    {
        using var transformer = TextModels.Transformer(vocabulary: 20, maxLength: 4, device: CPU);
        using var empty = zeros([2, 4], ScalarType.Int64);
        Assert.All(TextModels.Probabilities(transformer, empty), p => Assert.True(double.IsFinite(p)));
    }

    [Fact]
    public void TransformerRefusesSequencesLongerThanItsPositions()
    {
        using var transformer = TextModels.Transformer(vocabulary: 20, maxLength: 4, device: CPU);
        using var ids = ones([1, 5], ScalarType.Int64);
        Assert.Contains("learned 4", Assert.Throws<ArgumentException>(() => transformer.call(ids)).Message);
    }

    [Fact]
    public void KerasValidationSplitHoldsOutTheLastRows()
    {
        var (fit, validation) = TextModels.KerasValidationSplit(10, 0.2);
        Assert.Equal(Enumerable.Range(0, 8), fit);
        Assert.Equal([8, 9], validation);
    }

    [Fact]
    public void KerasMlpStartsWithGlorotKernelsAndZeroBiases()
    {
        using var mlp = TextModels.KerasMlp(300, CPU);
        foreach (var (name, p) in mlp.named_parameters())
        {
            if (name.EndsWith("bias")) Assert.Equal(0, p.abs().max().item<float>());
            else
            {
                // Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).
                double limit = Math.Sqrt(6.0 / (p.shape[0] + p.shape[1]));
                Assert.True(p.abs().max().item<float>() <= limit + 1e-6);
                Assert.True(p.abs().max().item<float>() > 0.9 * limit);
            }
        }
    }

    [Fact]
    public void CostThresholdMinimisesTheStatedCost()
    {
        int[] y = [0, 0, 0, 1, 1];
        double[] p = [0.1, 0.4, 0.6, 0.5, 0.9];
        // Missing spam costs 1, blocking ham 5: flag only at 0.9 (one miss, cost 1) beats 0.5 (one blocked, cost 5).
        var choice = SpamEvaluation.ChooseThreshold(y, p, missCost: 1, blockCost: 5);
        Assert.Equal(0.9, choice.Threshold);
        Assert.Equal((1, 0, 1.0), (choice.MissedSpam, choice.BlockedHam, choice.TotalCost));
        // Missing spam costs 10: flagging from 0.5 (one blocked ham, cost 1) is cheapest.
        var other = SpamEvaluation.ChooseThreshold(y, p, missCost: 10, blockCost: 1);
        Assert.Equal((0.5, 0, 1), (other.Threshold, other.MissedSpam, other.BlockedHam));
        Assert.Throws<ArgumentException>(() => SpamEvaluation.ChooseThreshold(y, [0.1, 0.2, double.NaN, 0.3, 0.4], 1, 1));
    }

    [Fact]
    public void ErrorsByLengthCountsEachMessageOnce()
    {
        string[] texts = ["hi", "hello there", "a much longer message here", "x"];
        var bins = SpamEvaluation.ErrorsByLength(texts, [0, 1, 1, 0], [0, 0, 1, 1], [5, 20]);
        Assert.Equal(["0-4", "5-19", "20+"], bins.Select(b => b.Bin));
        Assert.Equal([2, 1, 1], bins.Select(b => b.Messages));
        Assert.Equal([1, 1, 0], bins.Select(b => b.Errors));
    }
}
