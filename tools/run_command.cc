// `ravel run`: copies each case with ravel and checks it against the independent reference.
#include <cstdio>
#include <string>
#include <vector>

#include "cases/run.h"
#include "command.h"

namespace ravel_tools {

int RunCommand(const std::vector<std::string>& args) {
  CommandLine command_line;
  int exit_code = kExitSuccess;
  if (!ParseOrExit("run", args, /*bench_flags=*/false, &command_line, &exit_code)) {
    return exit_code;
  }
  for (const ravel_cases::Case& c : command_line.cases) {
    ravel_cases::CaseRun run;
    std::string error;
    const ravel_status status = ravel_cases::RunCase(c, &command_line.options, &run, &error);
    const char* verdict = "ok";
    if (status == RAVEL_E_UNSUPPORTED) {
      verdict = "unsupported";
    } else if (status != RAVEL_OK) {
      verdict = "error";
    } else if (!ravel_cases::VerifyRun(c, run, &error)) {
      verdict = "MISMATCH";
    } else {
      error = std::to_string(ravel_cases::ElementCount(c.destination)) + " elements, " +
              std::to_string(ravel_cases::CaseBytes(c)) + " bytes";
      if (c.stages.size() > 1) {
        error += ", " + std::to_string(c.stages.size()) + " stages";
      }
    }
    if (verdict != std::string("ok")) {
      exit_code = kExitFailure;
    }
    std::printf("%-12s%s  (%s)\n", verdict, c.text.c_str(), error.c_str());
    std::fflush(stdout);
  }
  return exit_code;
}

}  // namespace ravel_tools
