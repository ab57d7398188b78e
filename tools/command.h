// What the ravel command's subcommands share: exit codes, the command line, plans per stage.
#ifndef RAVEL_TOOLS_COMMAND_H_
#define RAVEL_TOOLS_COMMAND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cases/case.h"
#include "ravel/ravel.h"

namespace ravel_tools {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;  // a copy failed, mismatched or was unsupported
constexpr int kExitUsage = 2;    // a bad command line or case

constexpr double kDefaultMinSeconds = 0.2;
constexpr double kDefaultMaxSeconds = 5.0;

// The usage text of `ravel --help`.
extern const char kUsage[];

// A parsed command line.
struct CommandLine {
  std::vector<ravel_cases::Case> cases;  // the CASE arguments and --cases files, else the suite
  ravel_options options{};               // --threads, --backend, --isa
  bool json = false;                     // --json
  // bench only: --threads 1,2,4 (options.num_threads is the first), --isa all, --peers
  std::vector<int32_t> thread_counts;  // empty unless --threads was given
  bool all_isas = false;
  bool peers = false;
  double min_seconds = kDefaultMinSeconds;  // --min-time
  double max_seconds = kDefaultMaxSeconds;  // --max-time
};

enum class ParseOutcome { kRun, kHelp, kUsageError };

// Parses a subcommand's arguments (after its name). --threads, --backend and --cases are common;
// --json, --min-time, --max-time, --peers, a --threads list and --isa all only when bench_flags.
// Usage errors are printed to stderr.
ParseOutcome ParseCommandLine(std::string_view command, const std::vector<std::string>& args,
                              bool bench_flags, CommandLine* out);

// ParseCommandLine, then --help printed or a usage error: true to run the command, else false with
// the exit code in *exit_code.
bool ParseOrExit(std::string_view command, const std::vector<std::string>& args, bool bench_flags,
                 CommandLine* out, int* exit_code);

// Owns a ravel_plan.
using PlanHandle = std::unique_ptr<ravel_plan_s, void (*)(ravel_plan)>;

// Plans every stage of c with options. On failure the status says why (RAVEL_E_UNSUPPORTED for a
// backend or ISA this build or machine lacks) and ravel_last_error() names the problem.
ravel_status CreateStagePlans(const ravel_cases::Case& c, const ravel_options& options,
                              std::vector<PlanHandle>* plans);

// ravel_plan_describe as a string.
std::string DescribePlan(ravel_plan plan);

// The value of "name: value" in a plan description (fields end at ';'), or "" if absent.
std::string DescriptionField(const std::string& description, std::string_view name);

// "auto", "jit", "hwy", "reference" or "unknown".
const char* BackendName(int32_t backend);

// The subcommands: each takes the arguments after its name and returns the exit code.
int PlanCommand(const std::vector<std::string>& args);
int RunCommand(const std::vector<std::string>& args);
int BenchCommand(const std::vector<std::string>& args);
int AsmCommand(const std::vector<std::string>& args);

}  // namespace ravel_tools

#endif  // RAVEL_TOOLS_COMMAND_H_
