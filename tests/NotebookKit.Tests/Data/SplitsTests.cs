using NotebookKit.Data;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Data;

public class SplitsTests
{
    [Fact]
    public void Train_and_test_partition_the_rows_with_ceil_of_the_test_fraction()
    {
        var (train, test) = Splits.TrainTestSplit(569, 0.25, seed: 3);
        Assert.Equal(143, test.Length); // ceil(0.25 * 569), as scikit-learn
        Assert.Equal(Enumerable.Range(0, 569).Select(i => (long)i), train.Concat(test).Order());
    }

    [Fact]
    public void A_stratified_split_keeps_each_class_share()
    {
        var labels = Enumerable.Repeat(0, 212).Concat(Enumerable.Repeat(1, 357)).ToArray();
        var (train, test) = Splits.TrainTestSplit(labels.Length, 0.25, seed: 5, stratify: labels);
        Assert.Equal(143, test.Length);
        Assert.Equal(53, test.Count(i => labels[i] == 0)); // 0.25 * 212
        Assert.InRange(test.Count(i => labels[i] == 1), 89, 90);
    }

    [Fact]
    public void Bad_fractions_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.TrainTestSplit(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.TrainTestSplit(10, 1.5));
        Assert.Throws<ArgumentException>(() => Splits.TrainTestSplit(10, 0.5, stratify: [0, 1]));
    }

    [Fact]
    public void The_scaler_learns_from_training_rows_and_matches_population_statistics()
    {
        var x = tensor(new float[] { 1, 10, 2, 10, 3, 10 }, 3, 2);
        var scaler = new StandardScaler().Fit(x);
        var z = scaler.Transform(tensor(new float[] { 2, 10, 4, 10 }, 2, 2)).data<float>().ToArray();
        // mean (2, 10), population std (sqrt(2/3), 0 -> 1)
        Assert.Equal(0f, z[0], 5);
        Assert.Equal((float)(2 / Math.Sqrt(2.0 / 3)), z[2], 5);
        Assert.Equal(0f, z[1], 5);
        Assert.Throws<InvalidOperationException>(() => new StandardScaler().Transform(x));
    }
}
