#!/usr/bin/env bash
# Installs the Jupyter kernelspec for the notebooks: ".net-csharp", shown as ".NET (C#)", the kernel the notebooks'
# metadata names. It runs the released .NET Interactive kernel pinned in .config/dotnet-tools.json.
#
#   bash scripts/install-kernel.sh              # for JupyterLab and VS Code's Jupyter extension (your user's kernels)
#   bash scripts/install-kernel.sh --dir DIR    # into DIR/.net-csharp instead (the tests use a kit-local one)
#
# Idempotent: running it again rewrites the same kernelspec. Two changes from `dotnet-interactive jupyter install`:
# - argv runs the local tool (`dotnet tool run dotnet-interactive`), so the kernel is the pinned version. The tool
#   finds the manifest from the kernel's working directory, which Jupyter sets to the notebook's folder.
# - `--http-local-only`: without it the kernel serves unauthenticated HTTP on port 2048 on every interface.
#   tests/NotebookKit.Jupyter.Tests checks that nothing the kernel opens listens beyond loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

dir="${JUPYTER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/jupyter}/kernels"
if [ -z "${JUPYTER_DATA_DIR:-}" ]; then  # Jupyter's per-user data folder on macOS and Windows (Git Bash)
  case "$(uname -s)" in
    Darwin) dir="$HOME/Library/Jupyter/kernels" ;;
    MINGW* | MSYS* | CYGWIN*) dir="$APPDATA/jupyter/kernels" ;;
  esac
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    *) echo "usage: $0 [--dir KERNELS_DIR]" >&2; exit 2 ;;
  esac
done

(cd "$root" && dotnet tool restore >/dev/null)

# The tool's own install brings the logos; it also needs its target folder to exist first.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$root" && DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 \
  dotnet tool run dotnet-interactive -- jupyter install --path "$scratch" >/dev/null)

spec="$dir/.net-csharp"
mkdir -p "$spec"
cp "$scratch"/.net-csharp/logo-*.png "$spec"/
cat > "$spec/kernel.json" <<'EOF'
{
  "argv": [
    "dotnet", "tool", "run", "dotnet-interactive", "--",
    "jupyter", "--default-kernel", "csharp", "--http-local-only", "{connection_file}"
  ],
  "display_name": ".NET (C#)",
  "language": "C#",
  "env": {
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT": "1"
  },
  "metadata": {
    "vscode": {
      "extension_id": "ms-dotnettools.dotnet-interactive-vscode",
      "kernel_id": "dotnet-interactive"
    }
  }
}
EOF
echo "installed kernelspec .net-csharp (\".NET (C#)\", dotnet-interactive $(
  sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "$root/.config/dotnet-tools.json" | tail -1)) in $spec"
