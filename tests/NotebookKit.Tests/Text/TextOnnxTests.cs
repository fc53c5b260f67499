using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NotebookKit.Text;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace NotebookKit.Tests.Text;

public class TextOnnxTests
{
    /// <summary>Token ids with real padding: some rows short, one all padding, one full length.</summary>
    static long[] Ids(int rows, int length, int vocabulary)
    {
        var random = new Random(7);
        var ids = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            int real = r == 0 ? 0 : r == 1 ? length : random.Next(1, length);
            for (int i = 0; i < real; i++) ids[r * length + i] = random.Next(1, vocabulary);
        }
        return ids;
    }

    static double MaxDifference(nn.Module<Tensor, Tensor> model, int rows, int length, int vocabulary)
    {
        var ids = Ids(rows, length, vocabulary);
        model.eval();
        float[] expected;
        using (no_grad())
        using (var input = tensor(ids, [rows, length]))
        using (var output = model.call(input))
            expected = output.data<float>().ToArray();
        using var session = new InferenceSession(TextOnnxExport.ToBytes(model, length));
        var feed = NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(ids, [rows, length]));
        using var results = session.Run([feed]);
        var actual = results.First().AsTensor<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        return expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
    }

    [Fact]
    public void TransformerOnnxMatchesTorchSharpWithin1e5()
    {
        torch.manual_seed(3);
        using var model = TextModels.Transformer(vocabulary: 50, maxLength: 12, dimensions: 64, heads: 4, layers: 2, device: CPU);
        Assert.True(MaxDifference(model, rows: 9, length: 12, vocabulary: 50) <= 1e-5);
    }

    [Fact]
    public void EmbeddingBagOnnxMatchesTorchSharpWithin1e5()
    {
        torch.manual_seed(4);
        using var model = TextModels.EmbeddingBag(vocabulary: 50, dimensions: 16, device: CPU);
        Assert.True(MaxDifference(model, rows: 9, length: 10, vocabulary: 50) <= 1e-5);
    }

    [Fact]
    public void AModelThatIsNotATextClassifierIsRefusedByName()
    {
        using var mlp = TextModels.KerasMlp(5, CPU);
        Assert.Contains("KerasMlp", Assert.Throws<NotSupportedException>(() => TextOnnxExport.ToBytes(mlp, 4)).Message);
    }
}
