#!/usr/bin/env bash
# Installs the Debian packages the test suite needs beyond npm: Debian's
# torch and torchvision for the trainer, the Fashion-MNIST package for
# its downstream tests, Chromium for the report screenshot, and a font
# for the preview sheet labels. Packages already installed are skipped.
set -euo pipefail
packages=(python3-torch python3-torchvision python3-pil python3-pytest
  dataset-fashion-mnist chromium fonts-dejavu-core)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
