#!/usr/bin/env bash
# Runs the benchmarks beside their anchors in one run and prints a markdown table of ratios.
#   bash bench/run.sh [--quick] [group ...]
# Anchors use Debian's Python packages (python3-sklearn, python3-optuna), installed here if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import sklearn, optuna" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn python3-optuna >/dev/null; fi
fi
dotnet run --project bench/NotebookKit.Bench -c Release -- "$@"
