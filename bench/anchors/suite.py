"""Anchor and statistics for bench group "samplers": standard test functions with closed-form optima
(Surjanovic & Bingham, https://www.sfu.ca/~ssurjano/optimization.html), Optuna 3.1's TPE (Debian's python3-optuna,
run with /usr/bin/python3), and the comparison with the kit's samplers.

  suite.py optuna <seeds> <trials> <functions,...> <out.json>   best value after 50 and `trials` trials per seed
  suite.py stats <kit.json> <optuna.json> <out.md>              regrets, medians, ratios, Mann-Whitney U p-values
  suite.py merge <out.json> <optuna.json> ...                   joins optuna runs of consecutive seed ranges
  suite.py paired <kit.json> <sampler a> <sampler b>            b against a on the same seeds (sign test, Wilcoxon)

The kit (bench/NotebookKit.Bench/SamplerSuiteBench.cs) defines the same functions in C#; `stats` checks that both
definitions agree at the probe points the kit reports, so a typo on either side cannot pass unnoticed."""
import contextlib, functools, json, math, os, statistics, sys, time

import numpy as np
from scipy import optimize, stats

# name: (dimension, low, high, f, known minimum or None to compute in MINIMA)
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
H_ALPHA = [1.0, 1.2, 3.0, 3.2]
SHEKEL_BETA = [0.1 * b for b in [1, 2, 2, 4, 4, 6, 3, 7, 5, 5]]
SHEKEL_C = [[4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
            [4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6]]


def hartmann(x, a, p):
    return -sum(H_ALPHA[i] * math.exp(-sum(a[i][j] * (x[j] - p[i][j] * 1e-4) ** 2 for j in range(len(x))))
                for i in range(4))


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    mid = sum((wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2) for wi in w[:-1])
    return math.sin(math.pi * w[0]) ** 2 + mid + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def griewank(x):
    return sum(v * v for v in x) / 4000 - math.prod(math.cos(v / math.sqrt(i + 1)) for i, v in enumerate(x)) + 1


def styblinski_tang(x):
    return 0.5 * sum(v ** 4 - 16 * v ** 2 + 5 * v for v in x)


def michalewicz(x):
    return -sum(math.sin(v) * math.sin((i + 1) * v * v / math.pi) ** 20 for i, v in enumerate(x))


def shekel(x):
    return -sum(1 / (sum((x[j] - SHEKEL_C[j][i]) ** 2 for j in range(4)) + SHEKEL_BETA[i]) for i in range(10))


def six_hump_camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def powell(x):
    return sum((x[i] + 10 * x[i + 1]) ** 2 + 5 * (x[i + 2] - x[i + 3]) ** 2 + (x[i + 1] - 2 * x[i + 2]) ** 4
               + 10 * (x[i] - x[i + 3]) ** 4 for i in range(0, len(x), 4))


def michalewicz_minimum(d):
    # Separable: the minimum is the sum of each coordinate's 1-D minimum (dense grid, then a bounded polish).
    total = 0.0
    for i in range(d):
        g = lambda v: -math.sin(v) * math.sin((i + 1) * v * v / math.pi) ** 20
        grid = np.linspace(0, math.pi, 200001)
        start = float(grid[int(np.argmin(-np.sin(grid) * np.sin((i + 1) * grid ** 2 / np.pi) ** 20))])
        res = optimize.minimize_scalar(g, bounds=(max(0, start - 1e-4), min(math.pi, start + 1e-4)), method="bounded",
                                       options={"xatol": 1e-14})
        total += min(res.fun, g(start))
    return total


def polished(f, x0, low, high):
    # The published minimiser, polished by L-BFGS-B: the closed-form value is given to a few digits only.
    res = optimize.minimize(f, x0, method="L-BFGS-B", bounds=[(low, high)] * len(x0), options={"ftol": 1e-15, "gtol": 1e-12})
    return min(res.fun, f(x0))


FUNCTIONS = {
    "branin": (2, None, None, branin, 0.397887357729738),
    "hartmann3": (3, 0.0, 1.0, lambda x: hartmann(x, H3_A, H3_P), lambda: polished(
        lambda x: hartmann(x, H3_A, H3_P), [0.114614, 0.555649, 0.852547], 0, 1)),
    "hartmann6": (6, 0.0, 1.0, lambda x: hartmann(x, H6_A, H6_P), lambda: polished(
        lambda x: hartmann(x, H6_A, H6_P), [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573], 0, 1)),
    "ackley5": (5, -32.768, 32.768, ackley, 0.0),
    "rosenbrock4": (4, -5.0, 10.0, rosenbrock, 0.0),
    "levy5": (5, -10.0, 10.0, levy, 0.0),
    "griewank4": (4, -600.0, 600.0, griewank, 0.0),
    "styblinski_tang6": (6, -5.0, 5.0, styblinski_tang, lambda: 6 * polished(styblinski_tang, [-2.903534], -5, 5)),
    "michalewicz5": (5, 0.0, math.pi, michalewicz, lambda: michalewicz_minimum(5)),
    "shekel4": (4, 0.0, 10.0, shekel, lambda: polished(shekel, [4.0, 4.0, 4.0, 4.0], 0, 10)),
    # Held out: never looked at while choosing the samplers' defaults.
    "six_hump_camel": (2, None, None, six_hump_camel, lambda: polished(six_hump_camel, [0.0898, -0.7126], -2, 2)),
    "powell4": (4, -4.0, 5.0, powell, 0.0),
}
BOUNDS = {"branin": [(-5.0, 10.0), (0.0, 15.0)], "six_hump_camel": [(-3.0, 3.0), (-2.0, 2.0)]}
HELD_OUT = {"six_hump_camel", "powell4"}


def bounds(name):
    d, low, high, _, _ = FUNCTIONS[name]
    return BOUNDS.get(name, [(low, high)] * d)


@functools.cache  # some minima are polished by L-BFGS-B
def minimum(name):
    m = FUNCTIONS[name][4]
    return m() if callable(m) else m


def optuna_seed(args):
    # One seed's studies on every function: best values after 50 and `trials` trials, mean seconds per study.
    seed, trials, names, start, minutes = args
    if (time.perf_counter() - start) / 60 > minutes:
        return None
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    best, seconds = {}, {}
    for name in names:
        f, box = FUNCTIONS[name][3], bounds(name)
        objective = lambda t: f([t.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(box)])
        clock = time.perf_counter()
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=trials)
        values = [t.value for t in study.trials]
        best[name] = (min(values[:50]), min(values[:trials]))
        seconds[name] = time.perf_counter() - clock
    return best, seconds


def run_optuna(seeds, trials, names, out, minutes=None, jobs=None):
    # Seed by seed, saving after each in seed order, so that a run cut short (SUITE_MINUTES) still has whole seeds for
    # every function. SUITE_JOBS > 1 runs seeds in that many processes (results do not depend on it). SUITE_FIRST_SEED
    # starts at a later seed (seeds first..seeds-1), to share a long run between runs that are merged afterwards.
    import multiprocessing
    import optuna
    minutes = minutes if minutes is not None else float(os.environ.get("SUITE_MINUTES", "inf"))
    jobs = jobs if jobs is not None else int(os.environ.get("SUITE_JOBS", "1"))
    first = int(os.environ.get("SUITE_FIRST_SEED", "0"))
    result = {"version": optuna.__version__, "first_seed": first, "best": {n: {"50": [], str(trials): []} for n in names},
              "seconds": {n: 0.0 for n in names}}
    start = time.perf_counter()
    work = [(seed, trials, names, start, minutes) for seed in range(first, seeds)]
    with multiprocessing.Pool(jobs) if jobs > 1 else contextlib.nullcontext() as pool:
        for k, done in enumerate(pool.imap(optuna_seed, work) if pool else map(optuna_seed, work)):
            if done is None:
                break
            best, seconds = done
            for name in names:
                result["best"][name]["50"].append(best[name][0])
                if trials != 50:
                    result["best"][name][str(trials)].append(best[name][1])
                result["seconds"][name] = (result["seconds"][name] * k + seconds[name]) / (k + 1)
            with open(out + ".tmp", "w") as fh:
                json.dump(result, fh)
            os.replace(out + ".tmp", out)
            print(f"optuna: seed {first + k} done, {(time.perf_counter() - start) / 60:.1f} min", file=sys.stderr, flush=True)


def merge_optuna(out, paths):
    # Joins runs of consecutive seed ranges (suite.py optuna with SUITE_FIRST_SEED) into one run from seed 0; a seed
    # both runs have is taken from the earlier file. Stops at the first missing seed.
    runs = [json.load(open(p)) for p in paths]
    names = list(runs[0]["best"].keys())
    budgets = list(runs[0]["best"][names[0]].keys())
    by_seed = {}
    for run in runs:
        for k in range(len(run["best"][names[0]][budgets[0]])):
            by_seed.setdefault(run.get("first_seed", 0) + k, (run, k))
    count = next(s for s in range(len(by_seed) + 1) if s not in by_seed)
    merged = {"version": runs[0]["version"], "first_seed": 0, "merged_from": paths,
              "best": {n: {b: [by_seed[s][0]["best"][n][b][by_seed[s][1]] for s in range(count)] for b in budgets} for n in names},
              "seconds": {n: statistics.fmean(r["seconds"][n] for r in runs) for n in names}}
    with open(out, "w") as fh:
        json.dump(merged, fh)
    print(f"merged seeds 0-{count - 1} from {len(paths)} runs into {out}")


def run_paired(kit_path, a, b):
    # Two kit samplers on the same seeds (their first nStartupTrials draws coincide: the same seed stream): how often
    # b's regret is below a's, per budget over every function and seed, with a two-sided sign test, and per function
    # the two-sided Wilcoxon signed-rank p-value (NaN when every pair ties).
    kit = json.load(open(kit_path))
    names = [n for n in FUNCTIONS if n in kit["best"][a]]
    for budget in kit["best"][a][names[0]]:
        wins = losses = 0
        cells = []
        for n in names:
            x, y = np.array(kit["best"][a][n][budget]), np.array(kit["best"][b][n][budget])
            wins, losses = wins + int(np.sum(y < x)), losses + int(np.sum(y > x))
            p = stats.wilcoxon(y, x).pvalue if np.any(x != y) else float("nan")
            cells.append(f"{n} {np.median(regret(x, n)) / max(np.median(regret(y, n)), 1e-300):.2f}x p={p:.2f}")
        p = stats.binomtest(wins, wins + losses).pvalue if wins + losses else float("nan")
        print(f"{budget} trials, {kit['seeds']} seeds: {b} below {a} in {wins} of {wins + losses} untied pairs "
              f"(sign test p = {p:.3g}); median-regret ratio {a}/{b} and Wilcoxon p per function: " + "; ".join(cells))


def regret(values, name):
    # Best values minus the function's minimum, floored at 0 (a value below the polished minimum is rounding).
    return np.maximum(np.array(values) - minimum(name), 0)


def holm_adjust(pvalues):
    # Holm's step-down adjustment: the i-th smallest of m p-values times (m − i + 1), kept non-decreasing, capped at 1.
    order = sorted(pvalues, key=pvalues.get)
    adjusted, running = {}, 0.0
    for i, key in enumerate(order):
        running = max(running, min(1.0, (len(order) - i) * pvalues[key]))
        adjusted[key] = running
    return adjusted


def run_aa(first_path, second_path):
    # A/A control: Optuna 3.1 TPE on two disjoint seed sets, through the same one-sided test as the kit. Every
    # difference here is chance, so the count of cells below 0.05 is what an equally good sampler shows.
    a, b = json.load(open(first_path)), json.load(open(second_path))
    names = [n for n in FUNCTIONS if n in a["best"] and n in b["best"]]
    budgets = list(a["best"][names[0]].keys())
    pvals = {(n, k): stats.mannwhitneyu(np.array(b["best"][n][k]), np.array(a["best"][n][k]), alternative="greater").pvalue
             for n in names for k in budgets}
    holm = holm_adjust(pvals)
    low = sorted((p, n, k) for (n, k), p in pvals.items())
    seeds = (len(a["best"][names[0]][budgets[0]]), len(b["best"][names[0]][budgets[0]]))
    print(f"A/A: Optuna {a['version']} seeds from {a.get('first_seed', 0)} ({seeds[0]}) against seeds from "
          f"{b.get('first_seed', 0)} ({seeds[1]}): {sum(p < 0.05 for p in pvals.values())} of {len(pvals)} cells "
          f"have one-sided p < 0.05, {sum(p < 0.05 for p in holm.values())} after Holm; smallest: "
          + ", ".join(f"{n}@{k} p={p:.3f}" for p, n, k in low[:3]))
    # Chance of at least one and of at least two cells below 0.05 among m independent true-null tests.
    m = len(pvals)
    print(f"With {m} independent tests of equal samplers: P(at least 1 below 0.05) = {1 - 0.95 ** m:.2f}, "
          f"P(at least 2) = {1 - 0.95 ** m - m * 0.05 * 0.95 ** (m - 1):.2f}")


def run_compare(kit_path, sampler, kit_first, optuna_path):
    # Replication on fresh seeds: the kit's seeds from kit_first on (a bench run with --seeds=N holds seeds 0..N-1)
    # against every seed of an Optuna run (suite.py optuna with SUITE_FIRST_SEED), per function and budget.
    kit, anchor = json.load(open(kit_path)), json.load(open(optuna_path))
    for name in [n for n in FUNCTIONS if n in kit["best"][sampler] and n in anchor["best"]]:
        for budget in anchor["best"][name]:
            k = regret(kit["best"][sampler][name][budget][kit_first:], name)
            o = regret(anchor["best"][name][budget], name)
            print(f"{name} @{budget}: Optuna seeds {anchor.get('first_seed', 0)}-{anchor.get('first_seed', 0) + len(o) - 1} "
                  f"median {fmt(np.median(o))}; kit {sampler} seeds {kit_first}-{kit_first + len(k) - 1} median {fmt(np.median(k))}; "
                  f"one-sided p (kit worse) = {stats.mannwhitneyu(k, o, alternative='greater').pvalue:.3f}, "
                  f"two-sided {stats.mannwhitneyu(k, o).pvalue:.3f}")


def fmt(v):
    return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"


def run_stats(kit_path, optuna_path, out):
    kit, anchor = json.load(open(kit_path)), json.load(open(optuna_path))
    # Runs cut short compare the seeds both sides completed.
    n = min([kit["seeds"]] + [len(v) for per in anchor["best"].values() for v in per.values()])
    kit["seeds"] = n
    kit["best"] = {s: {f: {b: v[:n] for b, v in per.items()} for f, per in fs.items()} for s, fs in kit["best"].items()}
    anchor["best"] = {f: {b: v[:n] for b, v in per.items()} for f, per in anchor["best"].items()}
    for name, probes in kit["probes"].items():
        f = FUNCTIONS[name][3]
        for x, value in probes:
            if not math.isclose(f(x), value, rel_tol=1e-9, abs_tol=1e-12):
                sys.exit(f"{name}: the kit's definition gives {value} at {x}, this script's {f(x)}")
    samplers = list(kit["best"].keys())
    names = [n for n in FUNCTIONS if n in anchor["best"] and all(n in kit["best"][s] for s in samplers)]
    minima = {n: minimum(n) for n in names}
    budgets = list(anchor["best"][names[0]].keys())
    summary = {"minima": minima, "cells": [], "geomean": {}}
    pvals = {s: {(n, b): stats.mannwhitneyu(regret(kit["best"][s][n][b], n), regret(anchor["best"][n][b], n),
                                            alternative="greater").pvalue for n in names for b in budgets} for s in samplers}
    holm = {s: holm_adjust(pvals[s]) for s in samplers}
    lines = [f"Regret = best value after the budget − the function's minimum; median over {kit['seeds']} seeds. "
             "ratio = Optuna TPE's median regret / the kit sampler's (above 1: the kit is better). "
             "p = one-sided Mann-Whitney U p-value for \"the kit's regrets are larger than Optuna's\" "
             "(below 0.05: significantly worse); Holm = p adjusted by Holm's step-down method over the sampler's "
             f"{len(names) * len(budgets)} cells (below 0.05: worse with a family-wise error of 5 %).", "",
             "| function | dim | budget | Optuna 3.1 TPE | " + " | ".join(f"kit {s} | ratio | p | Holm" for s in samplers) + " |",
             "|---|---|---|---|" + "---|---|---|---|" * len(samplers)]
    for name in names:
        for budget in budgets:
            opt = regret(anchor["best"][name][budget], name)
            row = f"| {name}{' (held out)' if name in HELD_OUT else ''} | {FUNCTIONS[name][0]} | {budget} | {fmt(np.median(opt))} |"
            for s in samplers:
                reg = regret(kit["best"][s][name][budget], name)
                ratio = np.median(opt) / max(np.median(reg), 1e-300)
                p, adjusted = pvals[s][(name, budget)], holm[s][(name, budget)]
                flag = " **worse**" if p < 0.05 else ""
                row += f" {fmt(np.median(reg))} | {ratio:.2f}x | {p:.3f}{flag} | {adjusted:.3f}{' **worse**' if adjusted < 0.05 else ''} |"
                summary["cells"].append({"function": name, "budget": budget, "sampler": s, "median": float(np.median(reg)),
                                         "optuna_median": float(np.median(opt)), "ratio": float(ratio), "p_worse": float(p),
                                         "holm_p_worse": float(adjusted)})
            lines.append(row)
    lines.append("")
    floor = 1e-12  # a regret of exactly 0 would make a geometric mean meaningless
    for held in (False, True):
        group = [n for n in names if (n in HELD_OUT) == held]
        if not group:
            continue
        for budget in budgets:
            def geo(values):
                return math.exp(statistics.fmean(math.log(max(v, floor)) for v in values))
            opt = geo([np.median(regret(anchor["best"][n][budget], n)) for n in group])
            parts = []
            for s in samplers:
                g = geo([np.median(regret(kit["best"][s][n][budget], n)) for n in group])
                summary["geomean"][f"{'held_out' if held else 'suite'}_{budget}_{s}"] = opt / g
                parts.append(f"kit {s} {fmt(g)} ({opt / g:.2f}x)")
            lines.append(f"- Geometric mean of median regrets, {'held-out functions' if held else 'suite'} "
                         f"({len(group)}), {budget} trials: Optuna TPE {fmt(opt)}; " + "; ".join(parts) + ".")
    secs = "; ".join(f"kit {s} {statistics.fmean(kit['seconds'][s].values()):.2f} s" for s in samplers)
    lines.append(f"- Mean time per {budgets[-1]}-trial study: Optuna TPE {statistics.fmean(anchor['seconds'].values()):.2f} s; {secs} "
                 f"(Optuna {anchor['version']}, minima: " + ", ".join(f"{n} {minima[n]:.12g}" for n in names) + ").")
    text = "\n".join(lines) + "\n"
    with open(out, "w") as fh:
        fh.write(text)
    with open(out.rsplit(".", 1)[0] + ".json", "w") as fh:
        json.dump(summary, fh, indent=1)
    print(text)


if __name__ == "__main__":
    if sys.argv[1] == "optuna":
        run_optuna(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), sys.argv[5])
    elif sys.argv[1] == "stats":
        run_stats(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "paired":
        run_paired(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "compare":
        run_compare(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "aa":
        run_aa(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "merge":
        merge_optuna(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "minima":
        print(json.dumps({n: minimum(n) for n in FUNCTIONS}, indent=1))
