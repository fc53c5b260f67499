#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# System tools some tests use: Debian's chromium (charts must draw), python3-nbformat and python3-onnx (real
# validators), python3-nbclient (Jupyter).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c "import nbformat" >/dev/null 2>&1 || missing+=(python3-nbformat)
# The ONNX project's checker validates the kit's ONNX exports (tests/NotebookKit.Tests/Export/onnx_check.py).
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || missing+=(python3-onnx)
# Jupyter as a front end: nbclient drives the kit's kernelspec (tests/NotebookKit.Jupyter.Tests).
/usr/bin/python3 -c "import nbclient, jupyter_client" >/dev/null 2>&1 || missing+=(python3-nbclient python3-jupyter-client)
# PostgreSQL: the tuning storage tests run against a real server (Debian's, a throwaway cluster started below).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: ${missing[*]} missing and cannot be installed here; their tests will fail" >&2
  fi
fi

# No OMP_NUM_THREADS here: the tests run libtorch with the kit's thread policy, as users get it (passive OpenMP
# waiting, one thread per core; see src/NotebookKit/Setup/ThreadPolicy.cs). Measured 2026-11-30 on 2 cores at load
# average 45-68: a GP study took 553 s with libtorch's spinning defaults and 65 s with the policy, and with the policy
# 1 thread (45-56 s) was no faster than 2 (42-72 s). ThreadPolicyTests prove the policy is in effect.

# A throwaway PostgreSQL on loopback for the shared-study tests: exports NOTEBOOKKIT_POSTGRES_URL and stops the
# cluster when this script exits. Without it the PostgreSQL storage tests fail (they never skip).
source scripts/postgres.sh

rm -rf artifacts/test-results
mkdir -p artifacts
status=0
dotnet build NotebookKit.sln -c Release
suite() { dotnet test "tests/$1" -c Release --no-build --logger "trx" --results-directory artifacts/test-results "${@:2}"; }
# The suites with time bounds (durability under kill -9, hostile clients, SIGTERM drains) run alone.
suite NotebookKit.Tests "$@" || status=1
suite NotebookKit.Serving.Tests "$@" || status=1
# The two notebook suites, every notebook in nbkit's kernel and again in Jupyter through nbclient, run side by side:
# each runs one notebook at a time, so together they keep both cores busy.
suite NotebookKit.Runner.Tests "$@" > artifacts/runner-tests.log 2>&1 &
runner=$!
suite NotebookKit.Jupyter.Tests "$@" || status=1
wait $runner || status=1
cat artifacts/runner-tests.log

# One plain closing line for CI, summed over every test assembly.
summarise() {
  local passed=0 failed=0 skipped=0
  for f in artifacts/test-results/*.trx; do
    [ -f "$f" ] || continue
    line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
    p=$(echo "$line" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); passed=$((passed + ${p:-0}))
    x=$(echo "$line" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p'); failed=$((failed + ${x:-0}))
    s=$(echo "$line" | sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p'); skipped=$((skipped + ${s:-0}))
  done
  echo "$passed passed, $failed failed, $skipped skipped"
}
summarise
exit $status
