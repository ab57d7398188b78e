#!/usr/bin/env bash
# Cross-builds ravel for aarch64 with Debian's cross toolchain and arm64 multiarch packages, then
# runs the test suite under qemu-user once per configuration: NEON on a CPU without SVE, and SVE
# at 128, 256 and 512 bits (RAVEL_ISA forces the ISA; the randomized tests run at a reduced count).
#
#   bash tools/cross-test.sh [ARGS...]  # install what is missing, build, test (ARGS go to ctest)
#   bash tools/cross-test.sh deps       # install only
#   bash tools/cross-test.sh build      # install, configure and build only
#
# Environment: RAVEL_CROSS_BUILD_DIR (default build-aarch64, relative to the repository),
# RAVEL_CROSS_CONFIGS (default "neon sve128 sve256 sve512"; also a64fx: SVE without SVE2 at 512
# bits), RAVEL_TEST_SCALE (default 20: the randomized tests run 1/20 of their cases),
# RAVEL_CROSS_FULL=1 also runs the threading suites over 1-4 MiB views at 256 and 512 bits,
# RAVEL_SKIP_DEPS=1 skips the package check.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root
cd "${repo_root}"
build_dir="$(realpath -m "${RAVEL_CROSS_BUILD_DIR:-build-aarch64}")"
readonly build_dir
readonly configs="${RAVEL_CROSS_CONFIGS:-neon sve128 sve256 sve512}"
readonly test_scale="${RAVEL_TEST_SCALE:-20}"
readonly toolchain="${repo_root}/cmake/toolchains/aarch64-linux-gnu.cmake"
readonly triple=aarch64-linux-gnu

# Host tools and arm64 multiarch packages (Multi-Arch: same, so they sit beside the amd64 ones).
readonly CROSS_PACKAGES=(
  cmake
  ninja-build
  g++-aarch64-linux-gnu
  qemu-user
  libhwy-dev:arm64
  libgtest-dev:arm64
)
# libpthreadpool0 and libpthreadpool-dev are not Multi-Arch: same: installing the arm64 ones would
# remove the amd64 ones the native build needs. Their arm64 .debs are unpacked into the build
# directory instead (apt-get download checks them against the signed index).
readonly UNPACKED_PACKAGES=(libpthreadpool0:arm64 libpthreadpool-dev:arm64)
readonly unpacked_root="${build_dir}/arm64-root"
readonly pthreadpool_library="${unpacked_root}/usr/lib/${triple}/libpthreadpool.so"

die() {
  echo "cross-test: $*" >&2
  exit 1
}

usage() {
  sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

as_root=()
apt_options=(-q -o DPkg::Lock::Timeout=300)
apt_updated=0

need_root() {
  if ((EUID != 0)) && ((${#as_root[@]} == 0)); then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo; as root run: $*"
    as_root=(sudo)
  fi
}

apt_update() {
  if ((apt_updated == 0)); then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update
    apt_updated=1
  fi
}

# Idempotent and quick: when everything is present it asks dpkg only.
install_deps() {
  if [[ "${RAVEL_SKIP_DEPS:-0}" == 1 ]]; then
    return
  fi
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    die "needs dpkg-query and apt-get (Debian 12); install these yourself: ${CROSS_PACKAGES[*]}"
  fi
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    need_root "dpkg --add-architecture arm64"
    "${as_root[@]}" dpkg --add-architecture arm64
    echo "cross-test: added the arm64 architecture"
  fi
  local missing=() package status
  for package in "${CROSS_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "${package}" 2>/dev/null || true)
    if [[ "${status}" != "install ok installed" ]]; then
      missing+=("${package}")
    fi
  done
  if ((${#missing[@]} > 0)); then
    need_root "apt-get install ${missing[*]}"
    apt_update
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y \
      --no-install-recommends "${missing[@]}"
    echo "cross-test: installed ${missing[*]}"
  fi
  if [[ ! -e "${pthreadpool_library}" || ! -f "${unpacked_root}/usr/include/pthreadpool.h" ]]; then
    apt_update_if_unknown "${UNPACKED_PACKAGES[@]}"
    local download_dir
    download_dir="$(mktemp -d)"
    chmod a+rwx "${download_dir}"  # apt fetches as the unprivileged _apt user
    (cd "${download_dir}" && apt-get "${apt_options[@]}" download "${UNPACKED_PACKAGES[@]}")
    mkdir -p "${unpacked_root}"
    local deb
    for deb in "${download_dir}"/*.deb; do
      dpkg-deb -x "${deb}" "${unpacked_root}"
    done
    rm -rf "${download_dir}"
    echo "cross-test: unpacked ${UNPACKED_PACKAGES[*]} into ${unpacked_root}"
  fi
  echo "cross-test: all ${#CROSS_PACKAGES[@]} packages present;" \
    "pthreadpool (arm64) in ${unpacked_root}"
}

# apt-get download needs the arm64 package lists: update once if apt does not know the packages.
apt_update_if_unknown() {
  if ! apt-cache show "$@" >/dev/null 2>&1; then
    need_root "apt-get update"
    apt_update
  fi
}

cached_value() {
  sed -n "s/^$1:[A-Z]*=//p" "${build_dir}/CMakeCache.txt"
}

configure() {
  if [[ -f "${build_dir}/CMakeCache.txt" ]]; then
    if [[ "$(cached_value CMAKE_GENERATOR)" != Ninja ||
      "$(cached_value CMAKE_HOME_DIRECTORY)" != "${repo_root}" ]]; then
      echo "cross-test: ${build_dir} was configured elsewhere or with another generator;" \
        "configuring it afresh" >&2
      rm -rf "${build_dir}/CMakeCache.txt" "${build_dir}/CMakeFiles"
    fi
  fi
  # Without the unpacked pthreadpool (RAVEL_SKIP_DEPS=1), CMake looks for an installed one.
  local pthreadpool=()
  if [[ -e "${pthreadpool_library}" ]]; then
    pthreadpool=(-DRAVEL_PTHREADPOOL_INCLUDE_DIR="${unpacked_root}/usr/include"
      -DRAVEL_PTHREADPOOL_LIBRARY="${pthreadpool_library}")
  fi
  # The library and the tests only: the ravel command and the benchmarks need x86-64 peers.
  cmake -S . -B "${build_dir}" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="${toolchain}" \
    -DRAVEL_BUILD_TOOLS=OFF -DRAVEL_BUILD_BENCH=OFF "${pthreadpool[@]}"
}

build() {
  install_deps
  configure
  # Two jobs: the machine is shared, and four SVE targets make the kernels heavy to compile.
  cmake --build "${build_dir}" --parallel 2
}

# The threading suites over 1-4 MiB views take most of an emulated run. They run on a NEON-only
# CPU and at 128 bits (SVE2_128, the length of most SVE hardware); at 256 and 512 bits the kernels
# are checked by every other test (kernels, guard pages, the small random views on every ISA).
readonly heavy_tests='LargeViewsEveryThreadingMode|GuardPageTasksTest'

# QEMU_CPU, RAVEL_ISA, the SVE vector length the CPU must show (bits), and full|light (whether
# the heavy suites run) of a configuration. sveN=on sets the longest supported vector length.
config_env() {
  case "$1" in
    neon) echo "max,sve=off neon 0 full" ;;
    sve128 | sve256 | sve512)
      local bits="${1#sve}" extent=light
      if [[ "${bits}" == 128 || "${RAVEL_CROSS_FULL:-0}" == 1 ]]; then
        extent=full
      fi
      echo "max,sve=on,sve${bits}=on,sve-default-vector-length=$((bits / 8)) sve ${bits} ${extent}"
      ;;
    # Not run by default: SVE without SVE2 (Highway's SVE target; qemu's max CPU has SVE2).
    a64fx) echo "a64fx sve 512 light" ;;
    *) die "unknown configuration '$1' (neon, sve128, sve256, sve512, a64fx)" ;;
  esac
}

# A tiny C program on the cross-built libravel.so: the SVE vector length the CPU runs, the ISAs
# ravel reports available, and the plan of an f32 transpose with default options.
readonly probe_source='
#include <ravel/ravel.h>
#include <stdio.h>
#include <sys/prctl.h>
int main(void) {
  const int vl = prctl(51 /* PR_SVE_GET_VL */, 0, 0, 0, 0);
  const int64_t shape[2] = {256, 256}, strides[2] = {1, 256};
  const ravel_layout src = {2, 4, shape, strides};
  ravel_plan plan = NULL;
  char text[512] = "";
  int isa;
  printf("sve-bits %d; available:", vl < 0 ? 0 : (vl & 0xffff) * 8);
  for (isa = 1; isa <= 6; ++isa) {
    if (ravel_isa_available(isa)) printf(" %s", ravel_isa_name(isa));
  }
  if (ravel_plan_create(&src, NULL, NULL, &plan) != RAVEL_OK) {
    printf("; plan: failed: %s\n", ravel_last_error());
    return 1;
  }
  ravel_plan_describe(plan, text, sizeof(text));
  printf("; plan: %s\n", text);
  ravel_plan_destroy(plan);
  return 0;
}'

# The toolchain file's CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64 [-L ROOT]), as ctest runs it.
emulator=()
read_emulator() {
  IFS=';' read -r -a emulator <<<"$(cached_value CMAKE_CROSSCOMPILING_EMULATOR)"
  ((${#emulator[@]} > 0)) ||
    die "${build_dir}/CMakeCache.txt names no CMAKE_CROSSCOMPILING_EMULATOR"
}

build_probe() {
  printf '%s\n' "${probe_source}" >"${build_dir}/isa_probe.c"
  "${triple}-gcc" -std=c99 -O1 -Wall -Werror -I include "${build_dir}/isa_probe.c" \
    -L "${build_dir}/src" -lravel -Wl,-rpath,"${build_dir}/src" \
    -o "${build_dir}/isa_probe"
}

# Runs the suite in one configuration; returns ctest's status after the probe's checks, and
# appends a line to results.
results=()
run_config() {
  local name="$1"
  shift
  local cpu isa bits extent
  read -r cpu isa bits extent <<<"$(config_env "${name}")"
  local start=${SECONDS}
  local exclude=()
  if [[ "${extent}" == light ]]; then
    exclude=(-E "${heavy_tests}")
  fi
  echo "cross-test: === ${name}: QEMU_CPU=${cpu} RAVEL_ISA=${isa}" \
    "RAVEL_TEST_SCALE=${test_scale}${exclude[*]:+ (without ${heavy_tests})}"
  local probe
  if ! probe="$(QEMU_CPU="${cpu}" RAVEL_ISA="${isa}" \
    "${emulator[@]}" "${build_dir}/isa_probe")"; then
    results+=("${name}: the probe failed: ${probe}")
    return 1
  fi
  echo "cross-test: ${name}: ${probe}"
  if [[ "${probe}" != "sve-bits ${bits};"* ]]; then
    results+=("${name}: the CPU's SVE vector length is not ${bits} bits: ${probe}")
    return 1
  fi
  if [[ "${probe}" != *"available:"*" ${isa}"*"; plan: "* ||
    "${probe}" != *"; isa: ${isa};"* ]]; then
    results+=("${name}: ${isa} is not available or a default plan does not use it: ${probe}")
    return 1
  fi
  local log="${build_dir}/ctest-${name}.log" status=0
  {
    QEMU_CPU="${cpu}" RAVEL_ISA="${isa}" RAVEL_TEST_SCALE="${test_scale}" \
      ctest --test-dir "${build_dir}" --output-on-failure -j2 "${exclude[@]}" "$@" 2>&1 |
      tee "${log}"
  } || status=$?
  local summary skipped
  summary="$(grep -E 'tests passed|No tests were found' "${log}" | tail -1)"
  skipped="$(grep -c '(Skipped)$' "${log}" || true)"
  local took=$((SECONDS - start))
  results+=("${name}: ${summary:-ctest status ${status}}, ${skipped} skipped, ${took} s")
  return "${status}"
}

run_tests() {
  local start=${SECONDS} name
  for name in ${configs}; do
    config_env "${name}" >/dev/null  # dies on an unknown name, before any work
  done
  build
  echo "cross-test: install and build: $((SECONDS - start)) s"
  read_emulator
  build_probe
  local failed=()
  for name in ${configs}; do
    run_config "${name}" "$@" || failed+=("${name}")
  done
  echo "cross-test: summary (QEMU $(qemu-aarch64 --version | head -1 | awk '{print $3}'))"
  printf 'cross-test:   %s\n' "${results[@]}"
  echo "cross-test: cross phase (install, build, tests): $((SECONDS - start)) s"
  if ((${#failed[@]} > 0)); then
    die "failed under qemu: ${failed[*]}"
  fi
  echo "cross-test: passed under qemu: ${configs}"
}

case "${1:-}" in
  deps)
    (($# == 1)) || usage
    install_deps
    ;;
  build)
    (($# == 1)) || usage
    build
    ;;
  -h | --help | help) usage ;;
  *) run_tests "$@" ;;
esac
