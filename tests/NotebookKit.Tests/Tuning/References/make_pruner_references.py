"""Optuna 3.1 pruner decisions for fixed learning curves (run with /usr/bin/python3; needs python3-optuna).
Each trial reports curve[i][step] for step = 1..10 and stops at the first step should_prune() is true.
Writes pruners_optuna.json: the curves and, per pruner, the step at which each trial was pruned (or null)."""
import json, math, os
import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(3)
curves = []
for i in range(16):
    level = rng.uniform(0.2, 1.0)
    noise = rng.normal(0, 0.03, 10)
    curves.append([float(level + 1.0 / (s + 1) + noise[s - 1]) for s in range(1, 11)])

def run(pruner, direction):
    study = optuna.create_study(direction=direction, pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=0))
    pruned_at = []
    for i, curve in enumerate(curves):
        trial = study.ask()
        stop = None
        for step in range(1, 11):
            value = curve[step - 1] if direction == "minimize" else -curve[step - 1]
            trial.report(value, step)
            if trial.should_prune():
                stop = step
                break
        if stop is None:
            study.tell(trial, curve[-1] if direction == "minimize" else -curve[-1])
        else:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        pruned_at.append(stop)
    return pruned_at

out = dict(curves=curves)
out["median_min"] = run(optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2), "minimize")
out["median_max"] = run(optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2), "maximize")
out["sha_min"] = run(optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, min_early_stopping_rate=0), "minimize")
out["sha_max_eta3"] = run(optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, min_early_stopping_rate=1), "maximize")
json.dump(out, open(os.path.join(here, "pruners_optuna.json"), "w"), indent=1)
print({k: v for k, v in out.items() if k != "curves"})
