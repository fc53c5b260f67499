namespace NotebookKit.Tuning;

/// <summary>Decides from intermediate values whether a running trial should stop (Optuna's pruner role).</summary>
public interface IPruner
{
    bool Prune(Study study, FrozenTrial trial);
}

/// <summary>Never prunes.</summary>
public sealed class NopPruner : IPruner
{
    public bool Prune(Study study, FrozenTrial trial) => false;
}
