using NotebookKit.Compression;
using NotebookKit.Data;
using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NotebookKit.Tests.Compression;

public class DistillationTests(ITestOutputHelper output)
{
    static double[] Softmax(double[] z, double t)
    {
        var e = z.Select(v => Math.Exp(v / t)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    /// <summary>The Hinton loss written out with doubles: α T² mean_i Σ_c p_c log(p_c / q_c) + (1 − α) mean_i −log softmax(s_i)[y_i].</summary>
    static double HandLoss(double[][] s, double[][] t, long[] y, double temperature, double alpha)
    {
        double kl = 0, ce = 0;
        for (int i = 0; i < s.Length; i++)
        {
            var p = Softmax(t[i], temperature);
            var q = Softmax(s[i], temperature);
            kl += p.Zip(q).Sum(pq => pq.First * Math.Log(pq.First / pq.Second));
            ce += -Math.Log(Softmax(s[i], 1)[y[i]]);
        }
        return alpha * temperature * temperature * kl / s.Length + (1 - alpha) * ce / s.Length;
    }

    [Theory]
    [InlineData(4.0, 0.7)]
    [InlineData(1.0, 1.0)]
    [InlineData(2.0, 0.0)]
    [InlineData(10.0, 0.5)]
    public void The_distillation_loss_equals_a_hand_computation(double temperature, double alpha)
    {
        double[][] s = [[1.0, -0.5, 2.0], [0.3, 0.2, -1.2]];
        double[][] t = [[3.0, 0.0, 1.0], [-1.0, 2.5, 0.5]];
        long[] y = [2, 1];
        var loss = Distillation.Loss(tensor(s.SelectMany(r => r).Select(v => (float)v).ToArray()).reshape(2, 3),
            tensor(t.SelectMany(r => r).Select(v => (float)v).ToArray()).reshape(2, 3), tensor(y), temperature, alpha);
        double expected = HandLoss(s, t, y, temperature, alpha);
        Assert.True(Math.Abs(loss.item<float>() - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"loss {loss.item<float>()} vs hand {expected}");
    }

    [Fact]
    public void Gradients_reach_the_student_but_not_the_teacher()
    {
        var student = randn(4, 3).requires_grad_();
        var teacher = randn(4, 3).requires_grad_();
        Distillation.Loss(student, teacher, tensor(new long[] { 0, 1, 2, 0 })).backward();
        Assert.NotNull(student.grad);
        Assert.True(teacher.grad is null || teacher.grad.abs().sum().item<float>() == 0);
    }

    [Fact]
    public void Packed_targets_round_trip_labels_and_teacher_logits()
    {
        var labels = tensor(new long[] { 3, 0, 9 });
        var logits = randn(3, 10);
        var (l, t) = Distillation.UnpackTargets(Distillation.PackTargets(labels, logits));
        Assert.True(l.eq(labels).all().item<bool>());
        Assert.True(t.allclose(logits));
    }

    [Fact]
    public void Bad_settings_are_clear_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Distillation.Loss(randn(2, 3), randn(2, 3), tensor(new long[] { 0, 1 }), temperature: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Distillation.Loss(randn(2, 3), randn(2, 3), tensor(new long[] { 0, 1 }), alpha: 1.5));
        Assert.Throws<ArgumentException>(() => Distillation.Loss(randn(2, 3), randn(2, 4), tensor(new long[] { 0, 1 })));
    }

    /// <summary>
    /// Digits (train half, 898 rows), a 64-[256, 256]-10 teacher with dropout, a 64-[16]-10 student, 5 seeds; the
    /// distilled and the plain student start from identical weights. Every accuracy is printed. Measured 2026-11-24:
    /// distillation did NOT beat the student alone on test accuracy here (see docs/benchmarks.md), so accuracy is
    /// reported, not asserted. What is asserted is what distillation optimises: on held-out digits the distilled student
    /// matches the teacher's softened outputs (KL at T = 4) more closely than the student trained alone, on average.
    /// </summary>
    [Fact]
    public void A_distilled_student_matches_the_teacher_better_than_the_student_alone_on_held_out_digits_accuracy_reported()
    {
        Kit.Setup(seed: 11);
        int threads = torch.get_num_threads();
        torch.set_num_threads(1); // tiny models: one thread avoids oversubscribing a shared machine
        try
        {
            var digits = Datasets.Digits();
            var x = digits.Features / 16f;
            var (trainIdx, testIdx) = Splits.TrainTestSplit((int)digits.Count, 0.5, seed: 0, stratify: digits.Labels.data<long>().Select(v => (int)v).ToArray());
            var (xTrain, yTrain) = (x.index_select(0, tensor(trainIdx)), digits.Labels.index_select(0, tensor(trainIdx)));
            var (xTest, yTest) = (x.index_select(0, tensor(testIdx)), digits.Labels.index_select(0, tensor(testIdx)));

            random.manual_seed(100);
            var teacher = Models.Mlp(64, [256, 256], 10, dropout: 0.3);
            Trainer.Fit(teacher, xTrain, yTrain, Losses.CrossEntropy, optim.Adam(teacher.parameters(), 1e-3), new TrainOptions { Epochs = 40, BatchSize = 32, ProgressEvery = 0, Seed = 1 });
            double teacherAccuracy = Trainer.Accuracy(teacher, xTest, yTest);

            var alone = new List<double>();
            var distilled = new List<double>();
            var klAlone = new List<double>();
            var klDistilled = new List<double>();
            var teacherTest = Trainer.Predict(teacher, xTest);
            double TestKl(nn.Module<Tensor, Tensor> m) => Distillation.Loss(Trainer.Predict(m, xTest), teacherTest, yTest, 4, 1.0).item<float>() / 16;
            foreach (int seed in new[] { 1, 2, 3, 4, 5 })
            {
                random.manual_seed(seed);
                var a = Models.Mlp(64, [16], 10);
                random.manual_seed(seed);
                var d = Models.Mlp(64, [16], 10); // identical initial weights
                var options = new TrainOptions { Epochs = 40, BatchSize = 32, ProgressEvery = 0, Seed = seed };
                Trainer.Fit(a, xTrain, yTrain, Losses.CrossEntropy, optim.Adam(a.parameters(), 3e-3), options);
                Distillation.Fit(d, teacher, xTrain, yTrain, optim.Adam(d.parameters(), 3e-3), options, temperature: 4, alpha: 0.5);
                alone.Add(Trainer.Accuracy(a, xTest, yTest));
                distilled.Add(Trainer.Accuracy(d, xTest, yTest));
                klAlone.Add(TestKl(a));
                klDistilled.Add(TestKl(d));
                output.WriteLine($"seed {seed}: accuracy alone {alone[^1]:0.0000} distilled {distilled[^1]:0.0000}; KL to teacher alone {klAlone[^1]:0.0000} distilled {klDistilled[^1]:0.0000}");
            }
            output.WriteLine($"teacher {teacherAccuracy:0.0000}; mean alone {alone.Average():0.0000}, mean distilled {distilled.Average():0.0000}; distilled better in {alone.Zip(distilled).Count(p => p.Second > p.First)}/5 seeds");
            Assert.True(klDistilled.Average() < klAlone.Average(), $"mean KL to teacher: distilled {klDistilled.Average():0.0000}, alone {klAlone.Average():0.0000}");
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }
}
