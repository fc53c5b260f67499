namespace NotebookKit.Metrics;

/// <summary>How per-class scores are combined, as scikit-learn's <c>average</c> argument.</summary>
public enum Average
{
    /// <summary>Only the positive class (<c>posLabel</c>); the labels must be binary.</summary>
    Binary,
    /// <summary>Pool tp, fp and fn over all classes, then divide once.</summary>
    Micro,
    /// <summary>Unweighted mean of the per-class scores: every class counts the same.</summary>
    Macro,
    /// <summary>Mean of the per-class scores weighted by support (true count of each class).</summary>
    Weighted,
    /// <summary>No averaging: one score per class (use the <c>PerClass</c> functions).</summary>
    None,
}

/// <summary>Normalisation of a confusion matrix, as scikit-learn's <c>normalize</c>.</summary>
public enum ConfusionNormalize
{
    None,
    /// <summary>Each row (true class) sums to 1.</summary>
    True,
    /// <summary>Each column (predicted class) sums to 1.</summary>
    Pred,
    /// <summary>The whole matrix sums to 1.</summary>
    All,
}

/// <summary>Multiclass ROC AUC: one class against the rest, or every pair of classes (Hand and Till 2001).</summary>
public enum MultiClassAuc { OvR, OvO }

/// <summary>Bins of a calibration curve: equal width on [0, 1], or equal counts (quantiles of the scores).</summary>
public enum BinStrategy { Uniform, Quantile }

/// <summary>Weights of Cohen's kappa disagreement: none (0/1), |i - j|, or (i - j)^2.</summary>
public enum KappaWeights { None, Linear, Quadratic }
