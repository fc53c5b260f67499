using NotebookKit.Setup;
using NotebookKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookKit.Compression;

/// <summary>
/// Knowledge distillation (Hinton, Vinyals and Dean, 2015; introduced in 07-model-compression): a small student learns
/// from a teacher's softened outputs as well as from the labels.
/// </summary>
public static class Distillation
{
    /// <summary>
    /// loss = α T² KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) CE(s, y), with the KL divergence summed over classes and
    /// averaged over the batch (PyTorch's kl_div reduction "batchmean") and CE averaged over the batch.
    /// T² keeps the soft-target gradients the same size as T changes.
    /// </summary>
    public static Tensor Loss(Tensor studentLogits, Tensor teacherLogits, Tensor labels, double temperature = 4, double alpha = 0.7)
    {
        Validate(temperature, alpha);
        if (!studentLogits.shape.SequenceEqual(teacherLogits.shape))
            throw new ArgumentException($"Student logits [{string.Join(", ", studentLogits.shape)}] and teacher logits [{string.Join(", ", teacherLogits.shape)}] differ in shape.", nameof(teacherLogits));
        if (labels.shape[0] != studentLogits.shape[0])
            throw new ArgumentException($"{labels.shape[0]} labels for {studentLogits.shape[0]} rows.", nameof(labels));
        using var scope = NewDisposeScope();
        using Scalar t = temperature.ToScalar(), klWeight = (alpha * temperature * temperature).ToScalar(), ceWeight = (1 - alpha).ToScalar();
        var logStudent = nn.functional.log_softmax(studentLogits / t, 1);
        var logTeacher = nn.functional.log_softmax(teacherLogits.detach() / t, 1);
        var kl = (logTeacher.exp() * (logTeacher - logStudent)).sum(1).mean();
        var ce = nn.functional.cross_entropy(studentLogits, labels);
        return (kl * klWeight).Plus(ce * ceWeight).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Packs labels and teacher logits as one float target [n, 1 + classes] (label first), so that the trainer's
    /// mini-batches carry both. Labels must be below 2^24 to survive float32.
    /// </summary>
    public static Tensor PackTargets(Tensor labels, Tensor teacherLogits)
    {
        if (labels.shape[0] != teacherLogits.shape[0])
            throw new ArgumentException($"{labels.shape[0]} labels for {teacherLogits.shape[0]} teacher rows.", nameof(labels));
        using var scope = NewDisposeScope();
        return cat([labels.to(teacherLogits.device).to_type(ScalarType.Float32).unsqueeze(1), teacherLogits.detach().to_type(ScalarType.Float32)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Splits a packed target (see <see cref="PackTargets"/>) into labels and teacher logits.</summary>
    public static (Tensor Labels, Tensor TeacherLogits) UnpackTargets(Tensor packed) =>
        (packed[.., 0].to_type(ScalarType.Int64), packed[.., 1..]);

    /// <summary>The distillation loss in the trainer's shape, (student logits, packed targets) => loss.</summary>
    public static Func<Tensor, Tensor, Tensor> TrainerLoss(double temperature = 4, double alpha = 0.7)
    {
        Validate(temperature, alpha);
        return (student, packed) =>
        {
            var (labels, teacher) = UnpackTargets(packed);
            return Loss(student, teacher, labels, temperature, alpha);
        };
    }

    /// <summary>
    /// Trains <paramref name="student"/> on (x, y) with the distillation loss through <c>Trainer.Fit</c>. The
    /// frozen teacher's logits are computed once (eval mode, no_grad), which equals computing them per batch because
    /// nothing random touches the inputs. Validation data in the options is packed the same way; metrics receive the
    /// plain labels.
    /// </summary>
    public static History Fit(nn.Module<Tensor, Tensor> student, nn.Module<Tensor, Tensor> teacher, Tensor x, Tensor y,
        optim.Optimizer optimizer, TrainOptions? options = null, double temperature = 4, double alpha = 0.7)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        Validate(temperature, alpha);
        options ??= new TrainOptions();
        using var scope = NewDisposeScope();
        var packed = PackTargets(y, Trainer.Predict(teacher, x));
        var validationY = options.ValidationX is null || options.ValidationY is null ? null
            : PackTargets(options.ValidationY, Trainer.Predict(teacher, options.ValidationX));
        var metrics = options.Metrics?.ToDictionary(m => m.Key, m => (Func<Tensor, Tensor, double>)((logits, target) => m.Value(logits, UnpackTargets(target).Labels)));
        var packedOptions = new TrainOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = options.Seed, ValidationX = options.ValidationX,
            ValidationY = validationY, ValidationFraction = options.ValidationFraction, Metrics = metrics,
            ProgressEvery = options.ProgressEvery, ClipGradNorm = options.ClipGradNorm, L2Penalty = options.L2Penalty,
            L1Penalty = options.L1Penalty, EarlyStopping = options.EarlyStopping, Schedule = options.Schedule,
            CheckpointPath = options.CheckpointPath, StopOnDivergence = options.StopOnDivergence,
            Device = options.Device, AfterStep = options.AfterStep,
        };
        return Trainer.Fit(student, x, packed, TrainerLoss(temperature, alpha), optimizer, packedOptions);
    }

    static void Validate(double temperature, double alpha)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), $"Temperature must be positive and finite, got {temperature}.");
        if (double.IsNaN(alpha) || alpha < 0 || alpha > 1) throw new ArgumentOutOfRangeException(nameof(alpha), $"Alpha must be in [0, 1], got {alpha}.");
    }
}
