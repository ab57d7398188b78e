// The command line and plan helpers the subcommands share.
#include "command.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace ravel_tools {
namespace {

struct BackendEntry {
  std::string_view name;
  ravel_backend backend;
};

constexpr BackendEntry kBackends[] = {
    {"auto", RAVEL_BACKEND_AUTO},
    {"jit", RAVEL_BACKEND_JIT},
    {"hwy", RAVEL_BACKEND_HWY},
    {"reference", RAVEL_BACKEND_REFERENCE},
};

constexpr std::string_view kFlagPrefix = "--";
constexpr std::string_view kColumnPrefix = "col ";

ParseOutcome UsageError(std::string_view command, const std::string& message) {
  std::fprintf(stderr, "ravel %.*s: %s\nRun 'ravel --help' for usage.\n",
               static_cast<int>(command.size()), command.data(), message.c_str());
  return ParseOutcome::kUsageError;
}

// Prints a case that failed to parse with a caret under the column the error names.
ParseOutcome CaseError(std::string_view command, const std::string& text,
                       const std::string& error) {
  std::fprintf(stderr, "ravel %.*s: cannot parse case: %s\n  %s\n",
               static_cast<int>(command.size()), command.data(), error.c_str(), text.c_str());
  if (error.compare(0, kColumnPrefix.size(), kColumnPrefix) == 0) {
    const long column = std::strtol(error.c_str() + kColumnPrefix.size(), nullptr, 10);
    if (column >= 1 && static_cast<size_t>(column) <= text.size() + 1) {
      std::fprintf(stderr, "  %s^\n", std::string(static_cast<size_t>(column - 1), ' ').c_str());
    }
  }
  return ParseOutcome::kUsageError;
}

bool ParseThreads(const std::string& text, int32_t* threads) {
  if (text.empty()) {
    return false;
  }
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < 0 || value > std::numeric_limits<int32_t>::max()) {
    return false;
  }
  *threads = static_cast<int32_t>(value);
  return true;
}

bool ParseSeconds(const std::string& text, double* seconds) {
  if (text.empty()) {
    return false;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(value) || value < 0) {
    return false;
  }
  *seconds = value;
  return true;
}

bool ParseBackend(const std::string& text, int32_t* backend) {
  for (const BackendEntry& entry : kBackends) {
    if (entry.name == text) {
      *backend = entry.backend;
      return true;
    }
  }
  return false;
}

bool ParseIsa(const std::string& text, int32_t* isa) {
  for (int32_t candidate = RAVEL_ISA_AUTO; candidate <= RAVEL_ISA_SVE; ++candidate) {
    if (text == ravel_isa_name(candidate)) {
      *isa = candidate;
      return true;
    }
  }
  return false;
}

}  // namespace

ParseOutcome ParseCommandLine(std::string_view command, const std::vector<std::string>& args,
                              bool bench_flags, CommandLine* out) {
  ravel_options_init(&out->options);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      return ParseOutcome::kHelp;
    }
    if (arg.compare(0, kFlagPrefix.size(), kFlagPrefix) != 0) {
      ravel_cases::Case c;
      std::string error;
      if (!ravel_cases::ParseCase(arg, &c, &error)) {
        return CaseError(command, arg, error);
      }
      out->cases.push_back(std::move(c));
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string flag = arg.substr(0, equals);
    const bool takes_value = flag == "--threads" || flag == "--backend" || flag == "--isa" ||
                             flag == "--cases" ||
                             (bench_flags && (flag == "--min-time" || flag == "--max-time"));
    const bool is_switch = bench_flags && (flag == "--json" || flag == "--peers");
    if (!takes_value && !is_switch) {
      return UsageError(command, "unknown option '" + flag + "'");
    }
    if (is_switch) {
      if (equals != std::string::npos) {
        return UsageError(command, flag + " takes no value");
      }
      (flag == "--json" ? out->json : out->peers) = true;
      continue;
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return UsageError(command, flag + " needs a value");
    }
    if (flag == "--threads") {
      out->thread_counts.clear();
      size_t start = 0;
      for (;;) {
        const size_t comma = value.find(',', start);
        int32_t threads = 0;
        if (!ParseThreads(value.substr(start, comma - start), &threads) ||
            (comma != std::string::npos && !bench_flags)) {
          const std::string expected =
              bench_flags ? "non-negative integers separated by commas" : "a non-negative integer";
          return UsageError(command, "--threads expects " + expected + ", got '" + value + "'");
        }
        out->thread_counts.push_back(threads);
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
      out->options.num_threads = out->thread_counts.front();
    } else if (flag == "--backend") {
      if (!ParseBackend(value, &out->options.backend)) {
        return UsageError(command,
                          "--backend expects auto, jit, hwy or reference, got '" + value + "'");
      }
    } else if (flag == "--isa") {
      out->all_isas = bench_flags && value == "all";
      if (!out->all_isas && !ParseIsa(value, &out->options.isa)) {
        return UsageError(command,
                          std::string("--isa expects auto, scalar, sse4, avx2, avx512, neon") +
                              (bench_flags ? ", sve or all" : " or sve") + ", got '" + value + "'");
      }
    } else if (flag == "--cases") {
      std::vector<ravel_cases::Case> cases;
      std::string error;
      if (!ravel_cases::LoadCaseFile(value, &cases, &error)) {
        return UsageError(command, error);
      }
      for (ravel_cases::Case& c : cases) {
        out->cases.push_back(std::move(c));
      }
    } else if (flag == "--min-time") {
      if (!ParseSeconds(value, &out->min_seconds)) {
        return UsageError(command, "--min-time expects seconds >= 0, got '" + value + "'");
      }
    } else if (!ParseSeconds(value, &out->max_seconds) || out->max_seconds <= 0) {
      return UsageError(command, "--max-time expects seconds > 0, got '" + value + "'");
    }
  }
  if (out->cases.empty()) {
    std::string error;
    if (!ravel_cases::LoadCaseText(ravel_cases::DefaultSuite(), "default suite", &out->cases,
                                   &error)) {
      return UsageError(command, error);
    }
  }
  return ParseOutcome::kRun;
}

bool ParseOrExit(std::string_view command, const std::vector<std::string>& args, bool bench_flags,
                 CommandLine* out, int* exit_code) {
  switch (ParseCommandLine(command, args, bench_flags, out)) {
    case ParseOutcome::kHelp:
      std::fputs(kUsage, stdout);
      *exit_code = kExitSuccess;
      return false;
    case ParseOutcome::kUsageError:
      *exit_code = kExitUsage;
      return false;
    case ParseOutcome::kRun:
      break;
  }
  return true;
}

ravel_status CreateStagePlans(const ravel_cases::Case& c, const ravel_options& options,
                              std::vector<PlanHandle>* plans) {
  plans->clear();
  for (const ravel_cases::Stage& stage : c.stages) {
    const ravel_layout src = ravel_view_layout(&stage.src);
    const ravel_layout dst = ravel_view_layout(&stage.dst);
    ravel_plan plan = nullptr;
    const ravel_status status = ravel_plan_create(&src, &dst, &options, &plan);
    if (status != RAVEL_OK) {
      plans->clear();
      return status;
    }
    plans->emplace_back(plan, ravel_plan_destroy);
  }
  return RAVEL_OK;
}

std::string DescribePlan(ravel_plan plan) {
  const size_t length = ravel_plan_describe(plan, nullptr, 0);
  std::string text(length + 1, '\0');
  ravel_plan_describe(plan, text.data(), text.size());
  text.resize(length);
  return text;
}

std::string DescriptionField(const std::string& description, std::string_view name) {
  const std::string key = std::string(name) + ": ";
  size_t start = 0;
  while ((start = description.find(key, start)) != std::string::npos) {
    if (start == 0 || description[start - 1] == ' ' || description[start - 1] == ';') {
      start += key.size();
      const size_t end = description.find(';', start);
      return description.substr(start, end == std::string::npos ? end : end - start);
    }
    start += key.size();
  }
  return "";
}

const char* BackendName(int32_t backend) {
  for (const BackendEntry& entry : kBackends) {
    if (entry.backend == backend) {
      return entry.name.data();
    }
  }
  return "unknown";
}

}  // namespace ravel_tools
