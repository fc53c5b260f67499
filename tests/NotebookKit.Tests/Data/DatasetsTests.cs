using System.IO.Compression;
using NotebookKit.Data;

namespace NotebookKit.Tests.Data;

/// <summary>Shapes and class counts are those published in the data sets' documentation (shared/data/DATA.md).</summary>
public class DatasetsTests
{
    [Fact]
    public void Breast_cancer_has_569_rows_of_30_features_with_212_malignant_and_357_benign()
    {
        var d = Datasets.BreastCancer(TestPaths.Data("breast_cancer.csv"));
        Assert.Equal(new long[] { 569, 30 }, d.Features.shape);
        Assert.Equal(new Dictionary<string, int> { ["malignant"] = 212, ["benign"] = 357 }, d.ClassCounts());
        Assert.Equal("mean radius", d.FeatureNames[0]);
        Assert.Equal("worst fractal dimension", d.FeatureNames[29]);
        Assert.Equal(17.99f, d.FeatureRows()[0][0]);
    }

    [Fact]
    public void Iris_wine_and_digits_have_their_published_shapes_and_classes()
    {
        var iris = Datasets.Iris(TestPaths.Data("iris.csv"));
        Assert.Equal(new long[] { 150, 4 }, iris.Features.shape);
        Assert.Equal([50, 50, 50], iris.ClassCounts().Values);
        var wine = Datasets.Wine(TestPaths.Data("wine_data.csv"));
        Assert.Equal(new long[] { 178, 13 }, wine.Features.shape);
        Assert.Equal([59, 71, 48], wine.ClassCounts().Values);
        var digits = Datasets.Digits(TestPaths.Data("digits.csv.gz"));
        Assert.Equal(new long[] { 1797, 64 }, digits.Features.shape);
        Assert.Equal(new long[] { 1797, 1, 8, 8 }, Datasets.DigitImages(digits).shape);
        Assert.InRange(digits.Features.max().item<float>(), 16f, 16f);
    }

    [Fact]
    public void Diabetes_is_442_by_10_with_a_regression_target()
    {
        var d = Datasets.Diabetes(TestPaths.Data("diabetes_data_raw.csv.gz"), TestPaths.Data("diabetes_target.csv.gz"));
        Assert.Equal(TaskKind.Regression, d.Task);
        Assert.Equal(new long[] { 442, 10 }, d.Features.shape);
        Assert.Equal(151.0, d.TargetArray()[0]);
        Assert.Equal(59f, d.FeatureRows()[0][0]);
    }

    [Fact]
    public void Sms_spam_has_4827_ham_and_747_spam_texts()
    {
        var d = Datasets.SmsSpam(TestPaths.Data("SMSSpamCollection.tsv"));
        Assert.Equal(5574, d.Texts.Count);
        Assert.Equal(747, d.Labels.Count(l => l == 1));
        Assert.StartsWith("Go until jurong point", d.Texts[0]);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"iris-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, File.ReadAllLines(TestPaths.Data("iris.csv")).Take(100));
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Datasets.Iris(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("expected 150 rows, found 99", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_malformed_value_is_refused_naming_line_and_column()
    {
        var path = Path.Combine(Path.GetTempPath(), $"iris-{Guid.NewGuid():N}.csv");
        var lines = File.ReadAllLines(TestPaths.Data("iris.csv"));
        lines[3] = "5.1,abc,1.4,0.2,0";
        File.WriteAllLines(path, lines);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => Datasets.Iris(path));
            Assert.Contains("line 4, column 2", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_corrupt_gzip_file_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"digits-{Guid.NewGuid():N}.csv.gz");
        File.WriteAllBytes(path, File.ReadAllBytes(TestPaths.Data("digits.csv.gz")).Take(5000).ToArray());
        try
        {
            Assert.ThrowsAny<InvalidDataException>(() => Datasets.Digits(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DataFiles.Locate("no-such-file.csv"));
        Assert.Contains("no-such-file.csv", e.Message);
        Assert.Contains(DataFiles.EnvironmentVariable, e.Message);
    }

    [Fact]
    public void The_data_frame_view_has_one_column_per_feature_plus_the_target()
    {
        var iris = Datasets.Iris(TestPaths.Data("iris.csv"));
        var frame = iris.ToDataFrame();
        Assert.Equal(5, frame.Columns.Count);
        Assert.Equal(150, frame.Rows.Count);
        Assert.Equal("setosa", frame.Columns["target"][0]);
        Assert.Equal("virginica", frame.Columns["target"][149]);
    }
}
