#!/usr/bin/env bash
# The one entry point of a developer or CI on Debian 12: installs what is missing, configures a
# Release build with Ninja, builds it on all cores, then runs the main job or the tests.
#
#   bash tools/ravel-dev.sh bench [ARGS...]  # build, then ./build/tools/ravel bench ARGS...
#   bash tools/ravel-dev.sh test [ARGS...]   # build, then ctest (ARGS go to ctest, e.g. -R view),
#                                            # then the sanitizer runs (sanitize.sh),
#                                            # then the aarch64 suite under qemu (cross-test.sh)
#   bash tools/ravel-dev.sh build            # install deps, configure and build only
#
# Works from any directory. Environment: RAVEL_BUILD_DIR (default: build, relative to the
# repository), RAVEL_SKIP_DEPS=1 skips the package check (non-Debian machines),
# RAVEL_SKIP_CROSS=1 skips the aarch64 phase of test, RAVEL_QUICK=1 its sanitizer phase (not in
# CI, where CI=true).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root
cd "${repo_root}"
readonly build_dir="${RAVEL_BUILD_DIR:-build}"

usage() {
  sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

core_count() {
  nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
}

install_deps() {
  if [[ "${RAVEL_SKIP_DEPS:-0}" != 1 ]]; then
    bash "${repo_root}/tools/install-deps.sh"
  fi
}

# A build directory left by another generator or another checkout is configured afresh.
cached_value() {
  sed -n "s/^$1:[A-Z]*=//p" "${build_dir}/CMakeCache.txt"
}

configure() {
  if [[ -f "${build_dir}/CMakeCache.txt" ]]; then
    if [[ "$(cached_value CMAKE_GENERATOR)" != Ninja ||
      "$(cached_value CMAKE_HOME_DIRECTORY)" != "${repo_root}" ]]; then
      echo "ravel-dev: ${build_dir} was configured elsewhere or with another generator;" \
        "configuring it afresh" >&2
      rm -rf "${build_dir}/CMakeCache.txt" "${build_dir}/CMakeFiles"
    fi
  fi
  cmake -S . -B "${build_dir}" -G Ninja -DCMAKE_BUILD_TYPE=Release
}

build() {
  install_deps
  configure
  cmake --build "${build_dir}" --parallel "$(core_count)"
}

# ---- sanitizers and fuzzing (issue 7) -----------------------------------------------------------
# After the Release tests: ASan + UBSan over every test, TSan over the concurrency tests, and the
# libFuzzer target for 60 s (tools/sanitize.sh, in build-asan, build-tsan, build-fuzz).
# RAVEL_QUICK=1 skips it on a developer's machine; CI always runs it.
sanitize_test() {
  if [[ "${RAVEL_QUICK:-0}" == 1 ]]; then
    if [[ "${CI:-}" != true ]]; then
      echo "ravel-dev: RAVEL_QUICK=1: the sanitizer phase (tools/sanitize.sh) is skipped"
      return
    fi
    echo "ravel-dev: RAVEL_QUICK=1 is ignored in CI: running tools/sanitize.sh"
  fi
  bash "${repo_root}/tools/sanitize.sh"
}
# ---- end of the sanitizer phase ------------------------------------------------------------------

# ---- aarch64 under qemu-user (issue 8) ---------------------------------------------------------
# The last phase of test: tools/cross-test.sh installs the cross toolchain and arm64 packages,
# cross-builds in build-aarch64 and runs the suite (with the same ctest ARGS) under qemu-aarch64
# with NEON and with SVE at 128, 256 and 512 bits. RAVEL_SKIP_CROSS=1 skips it.
cross_test() {
  if [[ "${RAVEL_SKIP_CROSS:-0}" == 1 ]]; then
    echo "ravel-dev: RAVEL_SKIP_CROSS=1: the aarch64 phase (tools/cross-test.sh) is skipped"
    return
  fi
  bash "${repo_root}/tools/cross-test.sh" "$@"
}
# ---- end of the aarch64 phase --------------------------------------------------------------------

(($# >= 1)) || usage
command="$1"
shift
case "${command}" in
  bench)
    build
    exec "${build_dir}/tools/ravel" bench "$@"
    ;;
  test)
    build
    ctest --test-dir "${build_dir}" --output-on-failure -j2 "$@"
    sanitize_test
    cross_test "$@"
    ;;
  build)
    (($# == 0)) || usage
    build
    ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
