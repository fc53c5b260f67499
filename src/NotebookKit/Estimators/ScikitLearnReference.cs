using System.Text.Json;
using NotebookKit.Data;

namespace NotebookKit.Estimators;

/// <summary>One scikit-learn 1.2 L1 logistic regression on the standardised breast-cancer data (all 569 rows).</summary>
/// <param name="SagaCoef">saga's 30 weights (same objective as the kit: the intercept is not penalised).</param>
/// <param name="SagaZeros">Exact zeros among saga's weights.</param>
/// <param name="LiblinearZeros">Exact zeros among liblinear's weights (liblinear also penalises the intercept).</param>
public sealed record L1LogisticReference(double C, double[] SagaCoef, int SagaZeros, int LiblinearZeros);

/// <summary>
/// Reference results computed by scikit-learn, for notebooks that compare the kit with it (04-grid-search). The
/// values live in data/reference/logistic_sklearn.json, written by make_logistic_reference.py beside it.
/// </summary>
public static class ScikitLearnReference
{
    public static IReadOnlyList<L1LogisticReference> L1Logistic()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(DataFiles.Locate("reference/logistic_sklearn.json")));
        return json.RootElement.GetProperty("l1").EnumerateArray().Select(r => new L1LogisticReference(
            r.GetProperty("C").GetDouble(),
            r.GetProperty("saga").GetProperty("coef")[0].EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            r.GetProperty("saga").GetProperty("zeros").GetInt32(),
            r.GetProperty("liblinear").GetProperty("zeros").GetInt32())).ToArray();
    }
}
