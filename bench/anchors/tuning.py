"""Anchor for bench group "tuning": Optuna's TPE and random samplers on Branin (30 trials) and Hartmann-6
(100 trials), median simple regret over seeds. Uses Debian's python3-optuna (3.1) via /usr/bin/python3.
Prints one JSON object: <problem>_<sampler>_regret (median) and <problem>_tpe_seconds (per study)."""
import json, math, statistics, sys, time
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
BRANIN_MIN = 0.397887357729738
HARTMANN_MIN = -3.32236801141551
ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def branin(t):
    x1, x2 = t.suggest_float("x1", -5, 10), t.suggest_float("x2", 0, 15)
    b, c, tt = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - tt) * math.cos(x1) + 10


def hartmann6(t):
    x = [t.suggest_float(f"x{i}", 0, 1) for i in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2 for j in range(6))) for i in range(4))


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    out = {}
    for name, objective, minimum, budget in [("branin", branin, BRANIN_MIN, 30), ("hartmann6", hartmann6, HARTMANN_MIN, 100)]:
        for label, make in [("tpe", lambda s: optuna.samplers.TPESampler(seed=s)), ("random", lambda s: optuna.samplers.RandomSampler(seed=s))]:
            regrets, start = [], time.perf_counter()
            for seed in range(seeds):
                study = optuna.create_study(direction="minimize", sampler=make(seed))
                study.optimize(objective, n_trials=budget)
                regrets.append(study.best_value - minimum)
            out[f"{name}_{label}_regret"] = statistics.median(regrets)
            out[f"{name}_{label}_seconds"] = (time.perf_counter() - start) / seeds
    print(json.dumps(out))


if __name__ == "__main__":
    main()
