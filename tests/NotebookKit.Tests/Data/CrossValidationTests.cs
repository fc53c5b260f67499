using NotebookKit.Data;
using NotebookKit.Setup;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Data;

public class CrossValidationTests
{
    public CrossValidationTests() => Kit.Setup(seed: 1);

    /// <summary>Predicts the training mean of feature 0 for every row: a model whose fitted state we can inspect.</summary>
    sealed class MeanRecorder : ISupervisedModel
    {
        public static readonly List<double> SeenTrainMeans = [];
        double mean;
        public void Fit(Tensor x, Tensor y) { mean = x[TensorIndex.Colon, 0].mean().item<float>(); lock (SeenTrainMeans) SeenTrainMeans.Add(mean); }
        public Tensor Predict(Tensor x) => full(x.shape[0], mean);
    }

    [Fact]
    public void Preprocessing_is_fitted_on_each_folds_training_rows_only()
    {
        var x = arange(20).to_type(ScalarType.Float32).reshape(20, 1) * 3 + 7;
        var y = zeros(20);
        MeanRecorder.SeenTrainMeans.Clear();
        var result = CrossValidation.CrossValidate(() => new MeanRecorder(), x, y, new KFold(4),
            "neg mse", Scorers.NegMeanSquaredError, preprocessing: () => new StandardScaler());
        // Standardised inside the fold, the training rows have mean exactly 0 in every fold...
        Assert.All(MeanRecorder.SeenTrainMeans, m => Assert.Equal(0, m, 5));
        Assert.Equal(4, result.Folds.Count);
        Assert.All(result.Folds, f => Assert.Equal((15, 5), (f.TrainCount, f.TestCount)));
        // ...while scaling all 20 rows first would have given the training rows a non-zero mean in the first fold.
        var leaky = new StandardScaler().FitTransform(x);
        Assert.NotEqual(0, leaky[TensorIndex.Slice(5, 20), 0].mean().item<float>(), 2);
    }

    [Fact]
    public void CrossValidate_reports_per_fold_scores_mean_and_population_std()
    {
        var x = arange(12).to_type(ScalarType.Float32).reshape(12, 1);
        var y = x[TensorIndex.Colon, 0].clone();
        var result = CrossValidation.CrossValidate(() => new MeanRecorder(), x, y, new KFold(3), "neg mse", Scorers.NegMeanSquaredError, trainScores: true);
        // Fold k tests rows 4k..4k+3 against the mean of the other 8 rows: closed-form errors.
        double[] expected = [-(Math.Pow(7.5 - 0, 2) + Math.Pow(7.5 - 1, 2) + Math.Pow(7.5 - 2, 2) + Math.Pow(7.5 - 3, 2)) / 4,
                             -(Math.Pow(5.5 - 4, 2) + Math.Pow(5.5 - 5, 2) + Math.Pow(5.5 - 6, 2) + Math.Pow(5.5 - 7, 2)) / 4,
                             -(Math.Pow(3.5 - 8, 2) + Math.Pow(3.5 - 9, 2) + Math.Pow(3.5 - 10, 2) + Math.Pow(3.5 - 11, 2)) / 4];
        Assert.Equal(expected, result.TestScores("neg mse"), (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Equal(expected.Average(), result.Mean(), 4);
        double m = expected.Average();
        Assert.Equal(Math.Sqrt(expected.Sum(v => (v - m) * (v - m)) / 3), result.Std(), 4);
        Assert.Equal(5, result.Table().Rows.Count); // 3 folds + mean + std
        Assert.Throws<ArgumentException>(() => result.Mean("accuracy"));
    }

    [Fact]
    public void Stratified_cross_validation_takes_labels_from_an_integer_target()
    {
        var x = randn(30, 2);
        var y = tensor(Enumerable.Range(0, 30).Select(i => i < 24 ? 0L : 1L).ToArray());
        var result = CrossValidation.CrossValidate(() => new DelegateModel((_, _) => { }, rows => zeros(new long[] { rows.shape[0], 2 }).index_fill_(1, tensor(0L), 1)),
            x, y, new StratifiedKFold(3), "accuracy", Scorers.Accuracy);
        Assert.All(result.TestScores("accuracy"), a => Assert.Equal(0.8, a, 6)); // each fold has 8 of class 0 and 2 of class 1
    }

    [Fact]
    public void A_network_model_learns_separable_data_in_cross_validation_and_curves_have_one_point_per_setting()
    {
        var x = randn(120, 2, generator: new Generator(3));
        var y = (x[TensorIndex.Colon, 0] + x[TensorIndex.Colon, 1] > 0).to_type(ScalarType.Int64);
        Func<double, ISupervisedModel> factory = lr => new NetworkModel(() => Models.LogisticRegression(2, 2),
            p => optim.SGD(p, lr), Losses.CrossEntropy, new TrainOptions { Epochs = 20, BatchSize = 16, ProgressEvery = 0 }) { Seed = 0 };
        var cv = CrossValidation.CrossValidate(() => factory(0.5), x, y, new StratifiedKFold(3), "accuracy", Scorers.Accuracy);
        Assert.True(cv.Mean() > 0.9, $"accuracy {cv.Mean()}");
        var curve = CrossValidation.ValidationCurve(factory, "lr", [1e-4, 0.5], x, y, new KFold(3), "accuracy", Scorers.Accuracy, logScale: true);
        Assert.Equal(2, curve.ValidationMean.Length);
        Assert.True(curve.ValidationMean[1] > curve.ValidationMean[0], "a usable learning rate beats a tiny one in 20 epochs");
        var learning = CrossValidation.LearningCurve(() => factory(0.5), x, y, new KFold(3), [0.1, 1.0], "accuracy", Scorers.Accuracy);
        Assert.Equal([8.0, 80.0], learning.X);
    }
}
