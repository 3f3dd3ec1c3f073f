#!/usr/bin/env bash
# Installs the Debian packages Loupe builds against, only those missing (idempotent).
# Usage: scripts/install-deps.sh [extra-package ...]
set -euo pipefail
packages=(libpng-dev libjpeg-dev libv4l-dev "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
