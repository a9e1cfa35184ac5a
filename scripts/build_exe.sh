#!/usr/bin/env bash
# Build the double-click executable: dist/oeleo-gui/ with oeleo-gui (windowed tray) and
# oeleo-gui-cli (console), from build_exe.spec. Needs the venv from scripts/setup.sh.
#   bash scripts/build_exe.sh [--distpath DIR] [--workpath DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-.venv/bin/python}"
distpath="dist"
workpath="build"
while [ $# -gt 0 ]; do
  case "$1" in
    --distpath) distpath="$2"; shift 2 ;;
    --workpath) workpath="$2"; shift 2 ;;
    *) echo "usage: bash scripts/build_exe.sh [--distpath DIR] [--workpath DIR]" >&2; exit 2 ;;
  esac
done

if [ ! -x "$python" ]; then
  echo "No $python: run 'bash scripts/setup.sh' first (or set PYTHON)." >&2
  exit 2
fi
if ! "$python" -c 'import PyInstaller' 2>/dev/null; then
  echo "Installing PyInstaller (the 'build' extra)..."
  "$python" -m pip install -q -e ".[build]"
fi

start=$SECONDS
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$distpath" --workpath "$workpath" build_exe.spec
app="$distpath/oeleo-gui"
echo "Built $app in $((SECONDS - start)) s: $(du -sh "$app" | cut -f1)," \
  "$(find "$app" -type f | wc -l) files."
echo "Run it: $app/oeleo-gui --version   (copy the whole folder, with a .env beside the executable)"
