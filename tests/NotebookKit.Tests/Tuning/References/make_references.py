"""Independent references for the Tuning tests. Run with Debian's Python:
    /usr/bin/python3 tests/NotebookKit.Tests/Tuning/References/make_references.py
Writes gp_sklearn.json (scikit-learn 1.2 GaussianProcessRegressor with C * Matern(nu=2.5) + White at fixed
hyperparameters: log marginal likelihood, its gradient in log-hyperparameters, posterior mean and std) and
log_ei_mpmath.json (log(phi(z) + z Phi(z)) and its derivative, log Phi(z) and log(Phi(b) - Phi(a)), at 50-digit
precision)."""
import json, os
import numpy as np
import mpmath
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
X = rng.uniform(0, 1, size=(12, 3))
y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.05 * rng.standard_normal(12)
Xq = rng.uniform(0, 1, size=(5, 3))
cases = []
for (s, ls, noise) in [(1.0, [0.3, 0.5, 0.8], 1e-2), (2.5, [0.1, 1.0, 2.0], 1e-4), (0.7, [0.6, 0.6, 0.6], 0.3)]:
    kernel = ConstantKernel(s, "fixed") * Matern(length_scale=ls, nu=2.5, length_scale_bounds="fixed") + WhiteKernel(noise, "fixed")
    gp = GaussianProcessRegressor(kernel=kernel, optimizer=None, alpha=0.0, normalize_y=False).fit(X, y)
    # Gradient needs free hyperparameters: same values, bounds not fixed. theta = [log s, log l1..l3, log noise].
    free = ConstantKernel(s) * Matern(length_scale=ls, nu=2.5) + WhiteKernel(noise)
    gp_free = GaussianProcessRegressor(kernel=free, optimizer=None, alpha=0.0, normalize_y=False).fit(X, y)
    lml, grad = gp_free.log_marginal_likelihood(gp_free.kernel_.theta, eval_gradient=True)
    mean, std = gp.predict(Xq, return_std=True)  # std includes the White noise variance
    cases.append(dict(output_scale=s, length_scales=ls, noise=noise, lml=float(lml),
                      grad_log_s=float(grad[0]), grad_log_l=[float(g) for g in grad[1:4]], grad_log_noise=float(grad[4]),
                      mean=mean.tolist(), std_with_noise=std.tolist()))
json.dump(dict(x=X.tolist(), y=y.tolist(), xq=Xq.tolist(), cases=cases), open(os.path.join(here, "gp_sklearn.json"), "w"), indent=1)

mpmath.mp.dps = 50
zs = [-1e3, -200.0, -40.0, -10.0, -5.0, -3.5, -3.0, -2.999, -1.0, 0.0, 0.5, 2.0, 5.0, 8.0, 10.0]
def log_h(z):
    z = mpmath.mpf(z)
    return float(mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z)))
def log_h_slope(z):  # d/dz log h = Phi(z) / h(z), since h' = Phi
    z = mpmath.mpf(z)
    return float(mpmath.ncdf(z) / (mpmath.npdf(z) + z * mpmath.ncdf(z)))
def log_mass(a, b):  # log(Phi(b) - Phi(a)); in the upper tail as Phi(-a) - Phi(-b), which 50 digits resolve
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if a >= 0:
        a, b = -b, -a
    return float(mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a)))
intervals = [(-1e3, -999.5), (-40.0, -39.5), (-5.0, -2.0), (-3.2, -3.1), (-1.0, 2.0), (-8.0, 8.0), (0.0, 1e-6), (2.0, 5.0),
             (39.5, 40.0), (999.5, 1e3), (5.0, 5.000001),
             # narrow intervals, where 1 - Phi(a) - Phi(-b) or a tail difference would cancel
             (-1e-12, 1e-12), (-3.0, -3.0 + 1e-9), (3.0, 3.0 + 1e-12), (10.0, 10.0001), (-40.0, -40.0 + 1e-6)]
json.dump(dict(z=zs, log_h=[log_h(z) for z in zs], log_h_slope=[log_h_slope(z) for z in zs],
               log_cdf=[float(mpmath.log(mpmath.ncdf(mpmath.mpf(z)))) for z in zs],
               intervals=[list(i) for i in intervals], log_mass=[log_mass(a, b) for a, b in intervals]),
          open(os.path.join(here, "log_ei_mpmath.json"), "w"), indent=1)
print("wrote", here)
