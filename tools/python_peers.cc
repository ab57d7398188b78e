// Running tools/peers.py and reading its JSON lines.
#include "python_peers.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cases/run.h"

namespace ravel_tools {
namespace {

constexpr const char* kDefaultPython = "/usr/bin/python3";
constexpr size_t kWordBytes = sizeof(uint64_t);

std::string Python() {
  const char* python = std::getenv("RAVEL_PYTHON");
  return python != nullptr && *python != '\0' ? python : kDefaultPython;
}

std::string Script() {
  const char* script = std::getenv("RAVEL_PEERS_PY");
  return script != nullptr && *script != '\0' ? script : RAVEL_PEERS_SCRIPT;
}

// Single-quotes text for sh.
std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char ch : text) {
    quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  }
  return quoted + "'";
}

std::string JsonQuote(const std::string& text) {
  std::string json = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') {
      json += '\\';
    }
    json += ch;
  }
  return json + "\"";
}

// Parses one flat JSON object (strings, numbers, true/false/null; nested values are skipped as
// text). Returns false on malformed input.
bool ParseFlatObject(const std::string& line, PythonResult* out) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
  };
  auto parse_string = [&](std::string* text) {
    if (i >= line.size() || line[i] != '"') {
      return false;
    }
    ++i;
    while (i < line.size() && line[i] != '"') {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        const char escaped = line[i];
        if (escaped == 'u' && i + 4 < line.size()) {
          *text += static_cast<char>(std::strtol(line.substr(i + 1, 4).c_str(), nullptr, 16));
          i += 4;
        } else {
          *text += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
        }
      } else {
        *text += line[i];
      }
      ++i;
    }
    if (i >= line.size()) {
      return false;
    }
    ++i;
    return true;
  };
  skip_space();
  if (i >= line.size() || line[i] != '{') {
    return false;
  }
  ++i;
  for (;;) {
    skip_space();
    if (i < line.size() && line[i] == '}') {
      return true;
    }
    std::string key;
    if (!parse_string(&key)) {
      return false;
    }
    skip_space();
    if (i >= line.size() || line[i] != ':') {
      return false;
    }
    ++i;
    skip_space();
    if (i < line.size() && line[i] == '"') {
      std::string value;
      if (!parse_string(&value)) {
        return false;
      }
      out->strings[key] = value;
    } else {
      const size_t end = line.find_first_of(",}", i);
      if (end == std::string::npos) {
        return false;
      }
      const std::string value = line.substr(i, end - i);
      char* parsed_end = nullptr;
      const double number = std::strtod(value.c_str(), &parsed_end);
      if (parsed_end != value.c_str()) {
        out->numbers[key] = number;
      } else {
        out->strings[key] = value;  // true, false, null
      }
      i = end;
    }
    skip_space();
    if (i < line.size() && line[i] == ',') {
      ++i;
    }
  }
}

// Runs command, returning its stdout lines; false if it could not start or exited non-zero.
bool RunLines(const std::string& command, std::vector<std::string>* lines, int* status) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return false;
  }
  std::string line;
  char chunk[4096];
  while (std::fgets(chunk, sizeof(chunk), pipe) != nullptr) {
    line += chunk;
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      lines->push_back(line);
      line.clear();
    }
  }
  if (!line.empty()) {
    lines->push_back(line);
  }
  *status = pclose(pipe);
  return *status == 0;
}

}  // namespace

std::string PythonResult::String(const std::string& key) const {
  const auto found = strings.find(key);
  return found == strings.end() ? "" : found->second;
}

double PythonResult::Number(const std::string& key) const {
  const auto found = numbers.find(key);
  return found == numbers.end() ? 0 : found->second;
}

PythonProbe ProbePythonPeers() {
  PythonProbe probe;
  probe.libraries = {{"numpy", "python3-numpy", ""}, {"torch", "python3-torch", ""}};
  const std::string python = Python();
  const std::string script = Script();
  if (access(python.c_str(), X_OK) != 0) {
    probe.reason = python + " not found";
    return probe;
  }
  if (access(script.c_str(), R_OK) != 0) {
    probe.reason = script + " not found";
    return probe;
  }
  std::vector<std::string> lines;
  int status = 0;
  if (!RunLines(ShellQuote(python) + " " + ShellQuote(script) + " --probe 2>/dev/null", &lines,
                &status) ||
      lines.empty()) {
    probe.reason = "peers.py --probe failed";
    return probe;
  }
  PythonResult found;
  if (!ParseFlatObject(lines.front(), &found)) {
    probe.reason = "peers.py --probe printed no JSON";
    return probe;
  }
  for (PythonLibrary& library : probe.libraries) {
    library.version = found.String(library.name);
  }
  return probe;
}

bool RunPythonPeers(const std::vector<ravel_cases::Case>& cases, int threads, double min_seconds,
                    double max_seconds, std::vector<std::vector<PythonResult>>* results,
                    std::string* error) {
  char manifest_path[] = "/tmp/ravel-peers-XXXXXX";
  const int fd = mkstemp(manifest_path);
  if (fd < 0) {
    *error = std::string("cannot create a manifest file: ") + std::strerror(errno);
    return false;
  }
  FILE* manifest = fdopen(fd, "w");
  for (size_t i = 0; i < cases.size(); ++i) {
    const ravel_cases::Case& c = cases[i];
    std::fprintf(
        manifest, "{\"index\": %zu, \"case\": %s, \"src_seed\": %llu, \"dst_seed\": %llu}\n", i,
        JsonQuote(c.text).c_str(), static_cast<unsigned long long>(ravel_cases::BufferSeed(0)),
        static_cast<unsigned long long>(ravel_cases::BufferSeed(c.stages.size())));
  }
  std::fclose(manifest);
  char arguments[256];
  std::snprintf(arguments, sizeof(arguments),
                " --manifest %s --threads %d --min-time %.17g --max-time %.17g --json",
                manifest_path, threads, min_seconds, max_seconds);
  std::vector<std::string> lines;
  int status = 0;
  const bool ok =
      RunLines(ShellQuote(Python()) + " " + ShellQuote(Script()) + arguments, &lines, &status);
  unlink(manifest_path);
  if (!ok) {
    // The lines it printed still count; cases without one report this.
    *error = "peers.py exited with status " + std::to_string(status);
    if (lines.empty()) {
      return false;
    }
  }
  results->assign(cases.size(), {});
  for (const std::string& line : lines) {
    PythonResult result;
    if (!ParseFlatObject(line, &result) || result.numbers.count("index") == 0) {
      continue;
    }
    const auto index = static_cast<size_t>(result.Number("index"));
    if (index < results->size()) {
      (*results)[index].push_back(std::move(result));
    }
  }
  return true;
}

std::string BufferChecksum(const uint8_t* data, size_t bytes) {
  uint64_t sum = 0;
  const size_t words = (bytes + kWordBytes - 1) / kWordBytes;
  for (size_t w = 0; w < words; ++w) {
    uint64_t word = 0;
    const size_t begin = w * kWordBytes;
    std::memcpy(&word, data + begin, bytes - begin < kWordBytes ? bytes - begin : kWordBytes);
    sum += word * (2 * static_cast<uint64_t>(w) + 1);
  }
  char text[sizeof("0x0123456789abcdef")];
  std::snprintf(text, sizeof(text), "0x%016llx", static_cast<unsigned long long>(sum));
  return text;
}

}  // namespace ravel_tools
