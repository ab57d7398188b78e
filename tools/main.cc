// The ravel command: dispatches to one subcommand a file.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "command.h"
#include "ravel/ravel.h"

namespace ravel_tools {

const char kUsage[] =
    R"(usage: ravel <command> [options] [CASE...]

Copies strided tensor views described in the case language, e.g.
  ravel plan 'f32[64,2048,7,7].permute(0,2,3,1)'
  ravel run  'f32[16,12,64] -> f32[16,12,128][:, :, 64:]'
  ravel bench --json 'f32[8192,8192].t()'
  ravel asm  'f32[2,3,4].permute(2,0,1)'
Quote cases for the shell. Without a CASE or --cases, commands use the embedded default suite
(bench/cases/inference.txt). The language is described in CASES.md.

commands:
  plan    print ravel's plan for every stage of each case, with source and destination views
  run     copy each case and verify it against an independent index loop
  bench   time each case against memcpy and a streaming copy of the same bytes on the same
          threads, and with --peers against the peer libraries that are installed
  asm     print the JIT's code for every stage of each case (kernel, bytes, and the
          disassembly by binutils' objdump); always the jit backend, on x86-64 with AVX2
  help    print this text

options:
  --cases FILE        read cases from FILE (one a line; '#' starts a comment)
  --threads N         threads for ravel (0 = default: RAVEL_NUM_THREADS or all cores);
                      bench takes a list, e.g. 1,2,4: one section per thread count
  --backend NAME      auto, jit, hwy or reference (default auto; asm takes jit only)
  --isa NAME          pin the kernels' ISA: auto, scalar, sse4, avx2, avx512, neon or sve
                      (default auto: RAVEL_ISA or the best this CPU runs); bench also takes
                      all: the JIT and every ISA this machine runs, one row each
bench options:
  --peers             also run each case with the peers: oneDNN reorder, ATen copy_, Eigen
                      Tensor shuffle (those found when ravel was configured), and numpy and
                      PyTorch through tools/peers.py with /usr/bin/python3 (RAVEL_PYTHON);
                      each output must equal ravel's byte for byte; a peer that cannot
                      express a case says n/a and why
  --json              one JSON object a line (one per implementation and case) instead of
                      a table
  --min-time SECONDS  time each copy for at least this long, and at least 3 times (default 0.2)
  --max-time SECONDS  stop timing a copy after this long (default 5)

exit status: 0 success; 1 a copy failed or mismatched (for plan and run, also: is unsupported;
for asm: the JIT cannot do a case, or objdump is missing or fails); 2 bad usage or case
)";

namespace {

struct Subcommand {
  std::string_view name;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Subcommand kSubcommands[] = {
    {"plan", PlanCommand},
    {"run", RunCommand},
    {"bench", BenchCommand},
    {"asm", AsmCommand},
};

}  // namespace
}  // namespace ravel_tools

int main(int argc, char** argv) {
  using ravel_tools::kExitSuccess;
  using ravel_tools::kExitUsage;
  if (argc < 2) {
    std::fputs(ravel_tools::kUsage, stderr);
    return kExitUsage;
  }
  const std::string_view command = argv[1];
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(ravel_tools::kUsage, stdout);
    return kExitSuccess;
  }
  if (command == "--version") {
    std::printf("ravel %s\n", ravel_version());
    return kExitSuccess;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const ravel_tools::Subcommand& subcommand : ravel_tools::kSubcommands) {
    if (subcommand.name == command) {
      return subcommand.run(args);
    }
  }
  std::fprintf(stderr, "ravel: unknown command '%s'\nRun 'ravel --help' for usage.\n", argv[1]);
  return kExitUsage;
}
