namespace NotebookKit.Tuning;

/// <summary>
/// Asynchronous successive halving (ASHA, Li et al. 2020). Rung k sits at step
/// <c>minResource · η^(minEarlyStoppingRate + k)</c>. A trial reaching a rung records its value there and continues
/// only if that value is within the best 1/η of all values recorded at the rung so far (itself included);
/// decisions never wait for other trials, so it suits parallel workers.
/// </summary>
public sealed class SuccessiveHalvingPruner : IPruner
{
    public int MinResource { get; }
    public int ReductionFactor { get; }
    public int MinEarlyStoppingRate { get; }
    readonly Func<FrozenTrial, bool>? competitors;

    public SuccessiveHalvingPruner(int minResource = 1, int reductionFactor = 4, int minEarlyStoppingRate = 0)
        : this(minResource, reductionFactor, minEarlyStoppingRate, null) { }

    internal SuccessiveHalvingPruner(int minResource, int reductionFactor, int minEarlyStoppingRate, Func<FrozenTrial, bool>? competitors)
    {
        if (minResource < 1) throw new ArgumentOutOfRangeException(nameof(minResource), "minResource must be at least 1.");
        if (reductionFactor < 2) throw new ArgumentOutOfRangeException(nameof(reductionFactor), "reductionFactor must be at least 2.");
        if (minEarlyStoppingRate < 0) throw new ArgumentOutOfRangeException(nameof(minEarlyStoppingRate), "minEarlyStoppingRate must be non-negative.");
        (MinResource, ReductionFactor, MinEarlyStoppingRate, this.competitors) = (minResource, reductionFactor, minEarlyStoppingRate, competitors);
    }

    /// <summary>The step at which rung <paramref name="rung"/> is reached.</summary>
    public long RungStep(int rung) => MinResource * (long)Math.Pow(ReductionFactor, MinEarlyStoppingRate + rung);

    public bool Prune(Study study, FrozenTrial trial)
    {
        if (trial.LastStep is not int step) return false;
        int rung = 0;
        while (trial.SystemAttrs.ContainsKey(RungKey(rung))) rung++;
        double value = trial.IntermediateValues[step];
        IReadOnlyList<FrozenTrial>? trials = null;
        while (true)
        {
            if (step < RungStep(rung)) return false;
            if (double.IsNaN(value)) return true;
            trials ??= study.GetTrials();
            string key = RungKey(rung);
            study.SetSystemAttr(trial, key, value);
            var competing = trials.Where(t => t.Number != trial.Number && (competitors?.Invoke(t) ?? true)
                    && t.SystemAttrs.TryGetValue(key, out var v) && v is not null)
                .Select(t => Convert.ToDouble(t.SystemAttrs[key])).Append(value).OrderBy(v => v).ToList();
            int promotable = Math.Max(competing.Count / ReductionFactor - 1, 0);
            bool promoted = study.Direction == StudyDirection.Minimize
                ? value <= competing[promotable]
                : value >= competing[competing.Count - 1 - promotable];
            if (!promoted) return true;
            rung++;
        }
    }

    string RungKey(int rung) => $"completed_rung_{MinEarlyStoppingRate}_{rung}";

    /// <summary>
    /// Why a finished trial was promoted or pruned at each rung it reached: its value, how many trials had recorded a
    /// value at that rung by then (itself included), how many of them were promoted (the best max(⌊n/η⌋, 1)) and the
    /// value it had to match. "By then" means lower-numbered trials, which is exact for a study run by one worker
    /// (parallelism 1); with parallel workers the order of arrival may differ.
    /// </summary>
    public IReadOnlyList<RungDecision> Decisions(Study study, int trialNumber)
    {
        ArgumentNullException.ThrowIfNull(study);
        var trials = study.GetTrials();
        var trial = trials.FirstOrDefault(t => t.Number == trialNumber)
            ?? throw new ArgumentException($"The study has no trial {trialNumber}.", nameof(trialNumber));
        var decisions = new List<RungDecision>();
        for (int rung = 0; trial.SystemAttrs.TryGetValue(RungKey(rung), out var own) && own is not null; rung++)
        {
            string key = RungKey(rung);
            double value = Convert.ToDouble(own, System.Globalization.CultureInfo.InvariantCulture);
            var reached = trials.Where(t => t.Number < trialNumber && (competitors?.Invoke(t) ?? true)
                    && t.SystemAttrs.TryGetValue(key, out var v) && v is not null)
                .Select(t => Convert.ToDouble(t.SystemAttrs[key], System.Globalization.CultureInfo.InvariantCulture))
                .Append(value).ToList();
            var best = study.Direction == StudyDirection.Minimize ? reached.Order().ToList() : reached.OrderDescending().ToList();
            int kept = Math.Max(reached.Count / ReductionFactor, 1);
            double bar = best[kept - 1];
            bool promoted = study.Direction == StudyDirection.Minimize ? value <= bar : value >= bar;
            decisions.Add(new RungDecision(rung, RungStep(rung), value, reached.Count, kept, bar, promoted));
        }
        return decisions;
    }
}

/// <summary>One rung of <see cref="SuccessiveHalvingPruner.Decisions"/>: the trial's value at the rung's step, the
/// number of trials that had reached the rung, how many of them go on (Kept), the value the last of those had (Bar),
/// and the verdict.</summary>
public sealed record RungDecision(int Rung, long Step, double Value, int Reached, int Kept, double Bar, bool Promoted)
{
    public override string ToString() =>
        $"rung {Rung} (step {Step}): {Value:G4}; best {Kept} of {Reached} go on, bar {Bar:G4}: {(Promoted ? "promoted" : "pruned")}";
}

/// <summary>
/// Hyperband (Li et al. 2018) over ASHA: brackets s = 0..S-1 with S = ⌊log_η(maxResource/minResource)⌋ + 1,
/// bracket s running successive halving with early-stopping rate s. A trial joins a bracket by a hash of its
/// number, weighted by each bracket's budget ⌈S·η^(S-1-s)/(S-s)⌉, and competes only within its bracket.
/// </summary>
public sealed class HyperbandPruner : IPruner
{
    readonly SuccessiveHalvingPruner[] brackets;
    readonly int[] budgets;
    public int BracketCount => brackets.Length;

    public HyperbandPruner(int minResource = 1, int maxResource = 81, int reductionFactor = 3)
    {
        if (minResource < 1 || maxResource < minResource)
            throw new ArgumentException($"Need 1 <= minResource <= maxResource, got {minResource} and {maxResource}.");
        if (reductionFactor < 2) throw new ArgumentOutOfRangeException(nameof(reductionFactor), "reductionFactor must be at least 2.");
        int n = (int)Math.Floor(Math.Log((double)maxResource / minResource, reductionFactor) + 1e-9) + 1;
        budgets = Enumerable.Range(0, n).Select(s => (int)Math.Ceiling(n * Math.Pow(reductionFactor, n - 1 - s) / (n - s))).ToArray();
        brackets = Enumerable.Range(0, n)
            .Select(s => new SuccessiveHalvingPruner(minResource, reductionFactor, s, t => BracketOf(t.Number) == s)).ToArray();
    }

    /// <summary>The bracket a trial number belongs to (deterministic, so every process agrees).</summary>
    public int BracketOf(int trialNumber)
    {
        uint h = 2166136261;
        foreach (byte b in BitConverter.GetBytes(trialNumber)) h = (h ^ b) * 16777619; // FNV-1a
        int n = (int)(h % (uint)budgets.Sum());
        for (int s = 0; s < budgets.Length; s++) { if (n < budgets[s]) return s; n -= budgets[s]; }
        return budgets.Length - 1;
    }

    public bool Prune(Study study, FrozenTrial trial) => brackets[BracketOf(trial.Number)].Prune(study, trial);
}
