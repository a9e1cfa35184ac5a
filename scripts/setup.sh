#!/usr/bin/env bash
# Set up oeleo-gui on Debian/Ubuntu (as root or with sudo): the system packages it needs, when
# missing, and a virtual environment in .venv with the app (and, with --test, the test tools).
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

# Qt's xcb platform plugin, fonts and D-Bus: needed to show the tray on a desktop.
packages=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xkb1 libxcb-xfixes0)
if [ "$with_tests" = 1 ]; then
  # A real sshd for the SSH tests, Xvfb + trayer as screen and tray host, rsync for benchmarks,
  # binutils for PyInstaller, libfuse for the case-insensitive test folder (tests/casefold_fs.py)
  # and dosfstools (a FAT image, where the kernel can mount one), chromium for the lab overview
  # page's browser tests (Playwright drives it; its own browser download is never used),
  # iproute2 (ip, tc) for the SSH benchmark's delayed network.
  packages+=(openssh-server openssh-client xvfb trayer x11-utils xdotool rsync binutils
    fuse3 libfuse3-3 dosfstools chromium iproute2)
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" != 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "oeleo-gui needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
extras="."; [ "$with_tests" = 1 ] && extras=".[test,build]"
.venv/bin/python -m pip install -q -e "$extras"
echo "oeleo-gui is set up: .venv/bin/oeleo-gui --help"
