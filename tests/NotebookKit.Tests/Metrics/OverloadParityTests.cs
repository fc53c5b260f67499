using NotebookKit.Metrics;
using NotebookKit.Setup;
using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Metrics;

/// <summary>Array and tensor overloads share one validation layer: the same input gets the same answer or error.</summary>
public class OverloadParityTests
{
    static Exception Error(Action call) => Assert.ThrowsAny<ArgumentException>(call);

    [Fact]
    public void Log_loss_reads_labels_0_and_2_as_two_classes_in_both_overloads()
    {
        int[] y = [0, 2, 2, 0];
        double[] p = [0.2, 0.7, 0.9, 0.4];
        // Closed form: the probability is that of the larger label (2).
        double expected = -(Math.Log(0.8) + Math.Log(0.7) + Math.Log(0.9) + Math.Log(0.6)) / 4;
        Assert.Equal(expected, Score.LogLoss(y, p), 12);
        Assert.Equal(expected, Score.LogLoss(tensor(y.Select(v => (long)v).ToArray()), tensor(p)), 12);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(1.7)]
    [InlineData(-0.3)]
    public void Log_loss_refuses_what_is_not_a_probability_in_both_overloads(double bad)
    {
        int[] y = [0, 1, 1];
        double[] p = [0.2, bad, 0.9];
        var a = Error(() => Score.LogLoss(y, p));
        var t = Error(() => Score.LogLoss(tensor(new long[] { 0, 1, 1 }), tensor(p)));
        Assert.Contains("not a probability", a.Message);
        Assert.Contains("not a probability", t.Message);
    }

    [Fact]
    public void Log_loss_refuses_float_labels() =>
        Assert.Contains("integer", Error(() => Score.LogLoss(tensor(new float[] { 0, 1 }), tensor(new[] { 0.3, 0.6 }))).Message);

    [Theory]
    [InlineData(new[] { 0, 2, 2, 0 })]
    [InlineData(new[] { 0, 1, 2, 0 })]
    public void Average_precision_checks_labels_in_both_overloads(int[] y)
    {
        double[] s = [0.1, 0.8, 0.6, 0.3];
        var a = Error(() => Score.AveragePrecision(y, s));
        var t = Error(() => Score.AveragePrecision(tensor(y.Select(v => (long)v).ToArray()), tensor(s)));
        Assert.Equal(a.Message, t.Message);
    }

    [Fact]
    public void All_zero_weights_are_one_clear_error_everywhere()
    {
        int[] y = [0, 1, 1, 0];
        int[] yp = [0, 1, 0, 0];
        double[] s = [0.1, 0.8, 0.6, 0.3];
        double[] w = [0, 0, 0, 0];
        var yt = tensor(new long[] { 0, 1, 1, 0 });
        var calls = new Action[]
        {
            () => Score.Accuracy(y, yp, w), () => Score.F1(y, yp, sampleWeight: w), () => Score.RocAuc(y, s, w),
            () => Score.AveragePrecision(y, s, sampleWeight: w), () => Score.LogLoss(y, s, w),
            () => Score.Accuracy(yt, tensor(new long[] { 0, 1, 0, 0 }), tensor(w)),
            () => Score.RocAuc(yt, tensor(s), tensor(w)), () => Score.AveragePrecision(yt, tensor(s), sampleWeight: tensor(w)),
        };
        Assert.All(calls, call => Assert.Contains("sum to zero", Error(call).Message));
    }

    [Fact]
    public void R2_of_one_sample_is_undefined_in_both_overloads()
    {
        Assert.Contains("two samples", Error(() => Score.R2(new[] { 1.0 }, new[] { 1.0 })).Message);
        Assert.Contains("two samples", Error(() => Score.R2(tensor(new[] { 1.0 }), tensor(new[] { 1.0 }))).Message);
    }

    [Fact]
    public void Scorer_accuracy_reads_one_probability_column_and_refuses_logits()
    {
        var labels = tensor(new long[] { 0, 1, 1, 0 });
        Assert.Equal(1.0, Scorers.Accuracy(tensor(new float[,] { { 0.1f }, { 0.9f }, { 0.7f }, { 0.2f } }), labels));
        Assert.Equal(1.0, Scorers.Accuracy(tensor(new[] { 0.1f, 0.9f, 0.7f, 0.2f }), labels));
        Assert.Equal(0.5, Scorers.Accuracy(tensor(new[] { 0.9f, 0.9f, 0.7f, 0.7f }), labels));
        Assert.Contains("logits", Error(() => Scorers.Accuracy(tensor(new[] { -3f, 4f, 2f, -1f }), labels)).Message);
    }
}

/// <summary>Ill-defined values warn through Kit's warning channel, as scikit-learn's UndefinedMetricWarning does.</summary>
public class MetricWarningTests
{
    static IReadOnlyList<string> WarningsOf(Action call)
    {
        Warnings.Clear();
        call();
        return Warnings.Issued;
    }

    [Fact]
    public void F1_without_positive_samples_warns_and_returns_zero_division()
    {
        double f1 = 0;
        var issued = WarningsOf(() => f1 = Score.F1(new[] { 0, 0, 0 }, new[] { 0, 0, 0 }));
        Assert.Equal(0, f1);
        Assert.Contains(issued, w => w.Contains("ill-defined"));
    }

    [Fact]
    public void Well_defined_scores_do_not_warn() =>
        Assert.Empty(WarningsOf(() => Score.F1(new[] { 0, 1, 1 }, new[] { 0, 1, 0 })));

    [Fact]
    public void Recall_does_not_warn_about_precision()
    {
        // No predicted positives: precision is 0/0, recall is 0/2 = 0 and well defined.
        Assert.Empty(WarningsOf(() => Score.Recall(new[] { 1, 1, 0 }, new[] { 0, 0, 0 })));
        Assert.NotEmpty(WarningsOf(() => Score.Precision(new[] { 1, 1, 0 }, new[] { 0, 0, 0 })));
    }

    [Fact]
    public void Top_k_with_k_at_least_the_class_count_warns() =>
        Assert.Contains(WarningsOf(() => Score.TopKAccuracy(new[] { 0, 1 }, new double[,] { { 0.6, 0.4 }, { 0.3, 0.7 } }, k: 2)),
            w => w.Contains("top-k"));

    [Fact]
    public void Roc_curve_of_one_class_warns() =>
        Assert.Contains(WarningsOf(() => Score.RocCurve(new[] { 1, 1, 1 }, new[] { 0.2, 0.5, 0.9 }, posLabel: 1)),
            w => w.Contains("no negative samples"));

    [Fact]
    public void Kappa_of_constant_raters_is_NaN_with_a_warning()
    {
        double kappa = 0;
        var issued = WarningsOf(() => kappa = Score.CohenKappa(new[] { 1, 1, 1 }, new[] { 1, 1, 1 }));
        Assert.True(double.IsNaN(kappa));
        Assert.Contains(issued, w => w.Contains("kappa"));
    }
}
