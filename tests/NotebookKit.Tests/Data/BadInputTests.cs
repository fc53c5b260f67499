using NotebookKit.Data;
using NotebookKit.Setup;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Data;

public class BadInputTests
{
    [Fact]
    public void An_empty_csv_field_is_a_missing_value_not_a_separator()
    {
        var path = Path.Combine(Path.GetTempPath(), $"iris-{Guid.NewGuid():N}.csv");
        var lines = File.ReadAllLines(DataFiles.Locate("iris.csv"));
        lines[3] = "5.0,,3.6,1.4,0";
        File.WriteAllLines(path, lines);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Datasets.Iris(path));
            Assert.Contains("line 4, column 2", e.Message);
            Assert.Contains("missing", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_stratified_split_refuses_a_one_member_class() =>
        Assert.Contains("only 1 member",
            Assert.Throws<ArgumentException>(() => Splits.TrainTestSplit(6, 0.5, 0, [0, 0, 0, 1, 1, 2])).Message);

    [Fact]
    public void Stratified_k_fold_warns_when_a_class_has_fewer_members_than_folds()
    {
        Warnings.Clear();
        _ = new StratifiedKFold(3).Split(8, [0, 0, 0, 0, 0, 0, 1, 1]).ToArray();
        Assert.Contains(Warnings.Issued, w => w.Contains("only 2 members"));
    }

    [Fact]
    public void Whole_number_float_labels_stratify_and_continuous_targets_are_named()
    {
        var y = tensor(new float[] { 0, 1, 0, 1, 0, 1 });
        Assert.Equal(new[] { 0, 1, 0, 1 }, CrossValidation.LabelsOf(y)![..4]);
        Assert.Null(CrossValidation.LabelsOf(tensor(new[] { 0.5f, 1.25f })));
        Assert.Contains("continuous", Assert.Throws<ArgumentException>(() => new StratifiedKFold(2).Split(2, null).ToArray()).Message);
    }

    [Fact]
    public void Standard_scaler_ignores_NaN_cells_when_fitting_as_scikit_learn()
    {
        // Column 0: mean of 1, 3 = 2 and population std 1; the NaN stays NaN after Transform.
        var x = tensor(new float[,] { { 1, 10 }, { float.NaN, 20 }, { 3, 30 } });
        var scaler = new StandardScaler().Fit(x);
        Assert.Equal(2f, scaler.Mean![0].item<float>(), 5);
        Assert.Equal(1f, scaler.Std![0].item<float>(), 5);
        Assert.Equal(20f, scaler.Mean![1].item<float>(), 4);
        var z = scaler.Transform(x);
        Assert.True(float.IsNaN(z[1, 0].item<float>()));
        Assert.Equal(1f, z[2, 0].item<float>(), 5);
        Assert.Contains("only NaN", Assert.Throws<ArgumentException>(() =>
            new StandardScaler().Fit(tensor(new float[,] { { float.NaN, 1 }, { float.NaN, 2 } }))).Message);
    }
}
