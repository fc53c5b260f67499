using NotebookKit.Training;
using static TorchSharp.torch;

namespace NotebookKit.Tuning;

/// <summary>Builds <see cref="SearchEstimator{TModel}"/>s from the trainer's <see cref="ISupervisedModel"/>s.</summary>
public static class SearchEstimators
{
    /// <summary>
    /// Fits a fresh model on the rows of (<paramref name="x"/>, <paramref name="y"/>) a fold names and scores it with
    /// <paramref name="scorer"/>(outputs, labels) on the test rows (higher is better).
    /// </summary>
    public static SearchEstimator<ISupervisedModel> Supervised(Func<IReadOnlyDictionary<string, object?>, ISupervisedModel> create,
        Tensor x, Tensor y, Func<Tensor, Tensor, double> scorer)
    {
        if (x.shape[0] != y.shape[0]) throw new ArgumentException($"x has {x.shape[0]} rows but y has {y.shape[0]}.", nameof(y));
        return new SearchEstimator<ISupervisedModel>(create,
            (model, rows) =>
            {
                // No dispose scope here: the model may create its module (and parameters) inside Fit.
                using var index = tensor(rows, device: x.device);
                using var xs = x.index_select(0, index);
                using var yIndex = index.to(y.device);
                using var ys = y.index_select(0, yIndex);
                model.Fit(xs, ys);
            },
            (model, rows) =>
            {
                using var scope = NewDisposeScope();
                var index = tensor(rows, device: x.device);
                return scorer(model.Predict(x.index_select(0, index)), y.index_select(0, index.to(y.device)));
            });
    }
}
