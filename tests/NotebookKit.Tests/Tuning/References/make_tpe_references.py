"""Independent references for the TPE tests, from Optuna 3.1 (Debian's python3-optuna) and SciPy. Run with:
    /usr/bin/python3 tests/NotebookKit.Tests/Tuning/References/make_tpe_references.py
Writes tpe_optuna.json: Optuna's default_gamma and default_weights, and for several search spaces the Parzen
estimator Optuna builds from fixed observations (component weights, centres, bandwidths, categorical weights).
The mixture's log density at fixed sample points (normalised, and scale-free as Optuna 3.1 has it) is computed here with scipy.stats.truncnorm from those
components, not taken from Optuna 3.1's log_pdf: that omits each truncated normal's -log(sigma) (optuna#5109,
fixed in 3.5) and treats a log integer as continuous instead of taking its bin's mass (optuna#6258, fixed in 4.6)."""
import json, os
import numpy as np
from scipy import stats
from scipy.special import logsumexp
from optuna import distributions as D
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_gamma, default_weights

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(11)


def spec(d):
    if isinstance(d, D.CategoricalDistribution):
        return dict(type="categorical", choices=len(d.choices))
    if isinstance(d, D.FloatDistribution):
        return dict(type="float", low=d.low, high=d.high, log=d.log, step=d.step)
    return dict(type="int", low=d.low, high=d.high, log=d.log, step=d.step)


def bounds(d):
    if isinstance(d, D.FloatDistribution):
        if d.log:
            return np.log(d.low), np.log(d.high), None
        if d.step is not None:
            return d.low - d.step / 2, d.high + d.step / 2, d.step
        return d.low, d.high, None
    if d.log:
        return np.log(d.low - 0.5), np.log(d.high + 0.5), None
    return d.low - d.step / 2, d.high + d.step / 2, d.step


def log_bin_mass(lo, hi, mu, sigma, low, high):
    """log P(lo < X < hi) for X ~ N(mu, sigma) truncated to [low, high], via survival functions above the mean."""
    a, b = (low - mu) / sigma, (high - mu) / sigma
    tn = stats.truncnorm(a, b, loc=mu, scale=sigma)
    if lo > mu:
        return np.log(tn.sf(lo) - tn.sf(hi))
    return np.log(tn.cdf(hi) - tn.cdf(lo))


def mixture_log_pdf(pe, space, samples, normalized=True):
    names, out = list(space), []
    n = len(samples[names[0]])
    for i in range(n):
        terms = np.log(pe._weights).copy()
        for k in names:
            d, v = space[k], samples[k][i]
            if isinstance(d, D.CategoricalDistribution):
                terms += np.log(pe._categorical_weights[k][:, int(v)])
                continue
            low, high, q = bounds(d)
            for c, (mu, sigma) in enumerate(zip(pe._mus[k], pe._sigmas[k])):
                if q is not None:
                    terms[c] += log_bin_mass(max(v - q / 2, low), min(v + q / 2, high), mu, sigma, low, high)
                elif isinstance(d, D.IntDistribution):  # log integer: the bin [ln(v - 1/2), ln(v + 1/2)]
                    terms[c] += log_bin_mass(max(np.log(v - 0.5), low), min(np.log(v + 0.5), high), mu, sigma, low, high)
                else:
                    x = np.log(v) if d.log else v
                    terms[c] += stats.truncnorm.logpdf(x, (low - mu) / sigma, (high - mu) / sigma, loc=mu, scale=sigma)
                    if not normalized:  # Optuna 3.1's scale-free component: without -log(sigma)
                        terms[c] += np.log(sigma)
        out.append(float(logsumexp(terms)))
    return out


def case(name, space, observations, samples, multivariate=False, magic_clip=True, endpoints=False):
    params = _ParzenEstimatorParameters(consider_prior=True, prior_weight=1.0, consider_magic_clip=magic_clip,
                                        consider_endpoints=endpoints, weights=default_weights, multivariate=multivariate)
    obs = {k: np.asarray(v, dtype=float) for k, v in observations.items()}
    pe = _ParzenEstimator(obs, space, params)
    names = list(space)
    return dict(
        name=name, multivariate=multivariate, magic_clip=magic_clip, endpoints=endpoints,
        params=[dict(name=k, **spec(space[k])) for k in names],
        observations=[[float(observations[k][i]) for k in names] for i in range(len(observations[names[0]]))],
        samples=[[float(samples[k][i]) for k in names] for i in range(len(samples[names[0]]))],
        weights=pe._weights.tolist(),
        mus=[None if pe._mus[k] is None else pe._mus[k].tolist() for k in names],
        sigmas=[None if pe._sigmas[k] is None else pe._sigmas[k].tolist() for k in names],
        categorical_weights=[None if pe._categorical_weights[k] is None else pe._categorical_weights[k].tolist() for k in names],
        log_pdf=mixture_log_pdf(pe, space, samples),
        log_pdf_scale_free=scale_free_log_pdf(pe, space, samples))


def scale_free_log_pdf(pe, space, samples):
    # Where no log integer is involved, this is exactly what Optuna 3.1's own log_pdf returns: check it.
    out = mixture_log_pdf(pe, space, samples, normalized=False)
    if not any(isinstance(d, D.IntDistribution) and d.log for d in space.values()):
        own = pe.log_pdf({k: np.asarray(v, dtype=int if isinstance(space[k], D.CategoricalDistribution) else float)
                          for k, v in samples.items()})
        assert np.allclose(own, out, rtol=1e-10, atol=1e-10), (own, out)
    return out


cases = []
f = D.FloatDistribution(-5, 10)
xs = rng.uniform(-5, 10, 7)
grid = np.linspace(-5, 10, 9)
cases.append(case("float", {"x": f}, {"x": xs}, {"x": grid}))
cases.append(case("float endpoints, no magic clip", {"x": f}, {"x": xs}, {"x": grid}, magic_clip=False, endpoints=True))
cases.append(case("float, no observations", {"x": f}, {"x": []}, {"x": grid}))
lg = D.FloatDistribution(1e-4, 1e-1, log=True)
cases.append(case("log float, 30 observations (ramped weights)", {"lr": lg}, {"lr": np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), 30))},
                  {"lr": [1e-4, 3e-4, 1e-3, 0.01, 0.05, 0.1]}))
st = D.FloatDistribution(0, 1, step=0.1)
cases.append(case("stepped float", {"p": st}, {"p": [0.1, 0.3, 0.3, 0.7, 1.0, 0.0]}, {"p": [0.0, 0.1, 0.5, 0.9, 1.0]}))
it = D.IntDistribution(1, 20)
cases.append(case("int", {"n": it}, {"n": [2, 5, 9, 14, 20]}, {"n": [1, 3, 10, 19, 20]}))
il = D.IntDistribution(1, 1000, log=True)
cases.append(case("log int", {"n": il}, {"n": [1, 4, 30, 200, 999, 64, 8, 512]}, {"n": [1, 2, 50, 500, 1000]}))
far = D.IntDistribution(0, 100000)
cases.append(case("int far tail", {"n": far}, {"n": [0, 1, 2, 3, 4, 5]}, {"n": [0, 3, 100, 5000, 100000]}))
cat = D.CategoricalDistribution(["adam", "sgd", "rmsprop"])
cases.append(case("categorical", {"opt": cat}, {"opt": [0, 0, 1, 2, 0, 1]}, {"opt": [0, 1, 2]}))
space = {"x": f, "lr": lg, "opt": cat, "n": it}
m = 12
obs = {"x": rng.uniform(-5, 10, m), "lr": np.exp(rng.uniform(np.log(1e-4), np.log(1e-1), m)),
       "opt": rng.integers(0, 3, m), "n": rng.integers(1, 21, m)}
smp = {"x": [-4.0, 0.0, 2.5, 9.0, 6.0, -1.0], "lr": [1e-4, 1e-3, 0.02, 0.1, 5e-4, 0.004],
       "opt": [0, 1, 2, 0, 1, 2], "n": [1, 5, 10, 20, 13, 7]}
cases.append(case("multivariate mixed", space, obs, smp, multivariate=True))
cases.append(case("univariate mixed (joint density of independent fits)", space, obs, smp))

json.dump(dict(gamma=[[n, default_gamma(n)] for n in [0, 1, 9, 10, 11, 99, 100, 245, 250, 251, 1000]],
               weights=[[n, default_weights(n).tolist()] for n in [0, 1, 24, 25, 26, 27, 40]],
               cases=cases), open(os.path.join(here, "tpe_optuna.json"), "w"), indent=1)
print("wrote", os.path.join(here, "tpe_optuna.json"))
