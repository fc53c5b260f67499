using NotebookKit.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Data;

public class TensorsTests
{
    // x[i, j] = 10 i + j: every value names its row and column.
    static Tensor Grid() => arange(0, 40, dtype: float32).reshape(4, 10)[.., ..3];

    [Fact]
    public void Rows_picks_the_given_rows_in_the_given_order()
    {
        var rows = Grid().Rows([3, 0, 3]);
        Assert.Equal(new long[] { 3, 3 }, rows.shape);
        Assert.Equal(new float[] { 30, 31, 32, 0, 1, 2, 30, 31, 32 }, rows.data<float>().ToArray());
        var labels = arange(4, dtype: int64).Rows([2, 1]);
        Assert.Equal(new long[] { 2, 1 }, labels.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 3 }, Grid().Rows([]).shape);
    }

    [Fact]
    public void Columns_picks_the_given_columns_in_the_given_order()
    {
        var columns = Grid().Columns([2, 0]);
        Assert.Equal(new float[] { 2, 0, 12, 10, 22, 20, 32, 30 }, columns.data<float>().ToArray());
    }

    [Fact]
    public void From_keeps_the_values_and_their_type()
    {
        Assert.Equal(ScalarType.Float32, Tensors.From(new float[] { 1.5f, -2 }).dtype);
        Assert.Equal(new[] { 0.1, 0.2 }, Tensors.From(new[] { 0.1, 0.2 }).data<double>().ToArray());
        var indices = Tensors.From(new long[] { 7, 8 }, CPU);
        Assert.Equal(ScalarType.Int64, indices.dtype);
        Assert.Equal(DeviceType.CPU, indices.device_type);
        Assert.Equal(new long[] { 7, 8 }, indices.data<long>().ToArray());
    }

    [Fact]
    public void Indices_outside_the_tensor_are_named()
    {
        var row = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Rows([1, 4]));
        Assert.Contains("row 4 is outside 0..3", row.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => Grid().Columns([-1]));
        Assert.Contains("column -1 is outside 0..2", negative.Message);
        Assert.Throws<ArgumentException>(() => arange(5).Columns([0]));
        Assert.Throws<ArgumentException>(() => tensor(1f).Rows([0]));
        Assert.Throws<ArgumentNullException>(() => Tensors.From((float[])null!));
    }
}
