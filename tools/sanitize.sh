#!/usr/bin/env bash
# The sanitizer runs of the test command (docs/guarantees.md says what each one proves):
#
#   asan  ASan + UBSan (gcc, -fno-sanitize-recover=all, LeakSanitizer on) over every GoogleTest
#         binary, in build-asan/. Not run there: python.pytest (CPython is not instrumented) and
#         the install/consume packaging tests (RAVEL_INSTALL=OFF), which the Release run covers.
#   tsan  TSan (gcc) over the concurrency tests, in build-tsan/: the plan cache under 8 threads,
#         task runners, copies through callers' pools of std::threads and plans executed from
#         several threads at once, concurrent one-shot copies (cache + per-thread memo), the
#         pthreadpool adapter, the JIT's code cache. See TSAN_SELECTION for the names, and
#         tools/tsan.supp for what pthreadpool (not instrumented) hides.
#         ConcurrentCallers.OneShotCopiesSharingRavelsOwnPool is left to the ASan run: under TSan
#         its suppressed pthreadpool reports take minutes.
#   fuzz  kernels_clang_test (the kernels test built by clang with ASan + UBSan: there the scalar
#         ISA is Highway's EMU128 target, which GCC 12 builds replace with HWY_SCALAR), then
#         copy_fuzzer (clang, libFuzzer + ASan + UBSan) for RAVEL_FUZZ_SECONDS (default 60) from
#         tests/fuzz/corpus, in build-fuzz/; skipped, with a message, when clang is missing.
#
#   bash tools/sanitize.sh [asan|tsan|fuzz]...   # default: all three, in that order
#
# Any sanitizer report fails the test that raised it; the script exits non-zero if any phase
# failed, after running the others. A finding of the fuzzer is left in build-fuzz/artifacts/.
# Environment: RAVEL_FUZZ_SECONDS, RAVEL_SANITIZE_JOBS (default: all cores).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root
cd "${repo_root}"

jobs="${RAVEL_SANITIZE_JOBS:-$(nproc 2>/dev/null || echo 2)}"
readonly jobs
readonly fuzz_seconds="${RAVEL_FUZZ_SECONDS:-60}"

# Test names (ctest -R) that exercise threads; each must match at least one test, so that a
# rename cannot silently empty the TSan run.
TSAN_TARGETS=(plan_cache_test threads_test fault_injection_test recent_copy_test hpp_test)
TSAN_SELECTION=(
  '^PlanCache\.'
  '^RunTasks\.'
  '^Orders/CallerPoolOrder\.'
  '^ConcurrentCallers\.OneShotCopiesOnTheCallersThreads$'
  '^RecentCopy\.'
  '^HppPthreadpool\.'
)
# The JIT's code cache (issue 4): eight threads copying through the public API. (Its 300-shape
# cache test and its /proc/self/maps watcher each take over 10 minutes under TSan on 2 cores.)
if [[ -f tests/jit_test.cc ]]; then
  TSAN_TARGETS+=(jit_test)
  TSAN_SELECTION+=('^JitCacheTest\.EightThreadsThroughThePublicApi$')
fi
readonly TSAN_TARGETS TSAN_SELECTION

# Built and run without: benchmarks, the ravel command, install rules (see above).
readonly COMMON_CONFIG=(-G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DRAVEL_BUILD_BENCH=OFF
  -DRAVEL_BUILD_TOOLS=OFF -DRAVEL_INSTALL=OFF)

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_odr_violation=2"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=${repo_root}/tools/tsan.supp"

summary=()
failed=0

now() { date +%s; }

# run_phase NAME FUNCTION: runs it, records its wall time and status.
run_phase() {
  local name="$1" start status
  start=$(now)
  echo "==== sanitize: ${name}"
  set +e
  (
    set -e
    "$2"
  )
  status=$?
  set -e
  local seconds=$(($(now) - start))
  if ((status == 0)); then
    summary+=("${name}: passed in ${seconds} s")
  else
    summary+=("${name}: FAILED (exit ${status}) after ${seconds} s")
    failed=$((failed + 1))
  fi
}

# configure DIR FLAGS [EXTRA CMAKE ARGS...]: a Ninja build with FLAGS on every C/C++ compile and link.
configure() {
  local dir="$1" flags="$2"
  shift 2
  cmake -S . -B "${dir}" "${COMMON_CONFIG[@]}" \
    "-DCMAKE_C_FLAGS=${flags}" "-DCMAKE_CXX_FLAGS=${flags}" \
    "-DCMAKE_EXE_LINKER_FLAGS=${flags}" "-DCMAKE_SHARED_LINKER_FLAGS=${flags}" "$@" >/dev/null
}

asan() {
  local t0
  t0=$(now)
  configure build-asan "-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
  cmake --build build-asan --parallel "${jobs}"
  echo "sanitize: asan build took $(($(now) - t0)) s"
  ctest --test-dir build-asan --output-on-failure -j "${jobs}" -E '^(python|packaging)\.'
}

tsan() {
  local t0 pattern count
  t0=$(now)
  configure build-tsan "-O1 -g1 -fno-omit-frame-pointer -fsanitize=thread"
  cmake --build build-tsan --parallel "${jobs}" --target "${TSAN_TARGETS[@]}"
  echo "sanitize: tsan build took $(($(now) - t0)) s"
  for pattern in "${TSAN_SELECTION[@]}"; do
    count=$(ctest --test-dir build-tsan -N -R "${pattern}" | sed -n 's/^Total Tests: //p')
    if [[ -z "${count}" || "${count}" == 0 ]]; then
      echo "sanitize: no test matches ${pattern}; update TSAN_SELECTION in ${BASH_SOURCE[0]}" >&2
      return 1
    fi
  done
  local IFS='|'
  ctest --test-dir build-tsan --output-on-failure -j "${jobs}" -R "(${TSAN_SELECTION[*]})"
}

fuzz() {
  if ! command -v clang++ >/dev/null 2>&1; then
    echo "sanitize: clang++ not found (tools/install-deps.sh installs it); fuzzing skipped"
    return 0
  fi
  local t0
  t0=$(now)
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRAVEL_FUZZ=ON -DRAVEL_BUILD_BENCH=OFF -DRAVEL_BUILD_TOOLS=OFF -DRAVEL_INSTALL=OFF >/dev/null
  cmake --build build-fuzz --parallel "${jobs}" --target copy_fuzzer kernels_clang_test
  echo "sanitize: fuzz build took $(($(now) - t0)) s"
  t0=$(now)
  build-fuzz/tests/fuzz/kernels_clang_test --gtest_brief=1 || return
  echo "sanitize: kernels_clang_test took $(($(now) - t0)) s"
  mkdir -p build-fuzz/corpus-ci build-fuzz/artifacts
  # New inputs go to build-fuzz/corpus-ci; the seeds in the repository are only read.
  local status=0
  build-fuzz/tests/fuzz/copy_fuzzer -max_total_time="${fuzz_seconds}" -timeout=10 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ \
    build-fuzz/corpus-ci tests/fuzz/corpus >build-fuzz/fuzz.log 2>&1 || status=$?
  # The totals; after a finding, the end of the log (the report and the reproducer's name).
  if ((status == 0)); then
    grep -E 'INITED|DONE|^Done|^stat::' build-fuzz/fuzz.log
  else
    grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)|NEW_FUNC|^"|Recommended dictionary' \
      build-fuzz/fuzz.log | tail -n 80
    echo "sanitize: fuzz finding; full log in build-fuzz/fuzz.log, input in build-fuzz/artifacts/"
  fi
  return "${status}"
}

phases=("$@")
((${#phases[@]} > 0)) || phases=(asan tsan fuzz)
for phase in "${phases[@]}"; do
  case "${phase}" in
    asan | tsan | fuzz) run_phase "${phase}" "${phase}" ;;
    *)
      echo "usage: bash tools/sanitize.sh [asan|tsan|fuzz]..." >&2
      exit 2
      ;;
  esac
done

echo "==== sanitize summary"
printf '%s\n' "${summary[@]}"
echo "sanitize: $((${#phases[@]} - failed)) passed, ${failed} failed"
((failed == 0))
