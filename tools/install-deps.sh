#!/usr/bin/env bash
# Installs, from Debian 12's apt repositories only, every package ravel needs to build, test,
# benchmark and lint. Idempotent and quick: when everything is present it asks dpkg only and
# touches neither the network nor apt. Runs as root, or through sudo when that exists.
#
#   bash tools/install-deps.sh
set -euo pipefail

# The one list of the project's system dependencies; add new ones here.
readonly RAVEL_PACKAGES=(
  build-essential
  g++
  cmake
  ninja-build
  pkg-config
  git
  binutils
  python3
  clang-format
  clang
  libclang-rt-14-dev
  libxbyak-dev
  libhwy-dev
  libpthreadpool-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libdlpack-dev
  libdnnl-dev
  libtorch-dev
  libeigen3-dev
  python3-numpy
  python3-torch
  python3-pytest
  python3-matplotlib
)

die() {
  echo "install-deps: $*" >&2
  exit 1
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "needs dpkg-query and apt-get (Debian 12); install these yourself: ${RAVEL_PACKAGES[*]}"
fi

native_arch=$(dpkg --print-architecture)
missing=()
for package in "${RAVEL_PACKAGES[@]}"; do
  # Installed for this machine's architecture (or for all): a cross build may add other ones.
  status=$(dpkg-query -W -f='${Architecture} ${Status}\n' "${package}" 2>/dev/null |
    grep -E "^(${native_arch}|all) install ok installed$" || true)
  if [[ -z "${status}" ]]; then
    missing+=("${package}")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#RAVEL_PACKAGES[@]} packages present"
  exit 0
fi

as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || die "not root and no sudo; as root run: apt-get install ${missing[*]}"
  as_root=(sudo)
fi

apt_options=(-q -o DPkg::Lock::Timeout=300)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y \
  --no-install-recommends "${missing[@]}"

echo "install-deps: installed ${missing[*]}"
