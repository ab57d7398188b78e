// Case files: one case a line, '#' comments and blank lines skipped.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "cases/case.h"

namespace ravel_cases {
namespace {

constexpr char kComment = '#';

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

}  // namespace

bool LoadCaseText(std::string_view text, std::string_view source_name, std::vector<Case>* cases,
                  std::string* error) {
  std::vector<Case> parsed;
  size_t line_number = 0;
  size_t line_start = 0;
  while (line_start <= text.size()) {
    ++line_number;
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) {
      line_end = text.size();
    }
    std::string_view line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    line = line.substr(0, line.find(kComment));
    if (IsBlank(line)) {
      continue;
    }
    Case c;
    std::string message;
    if (!ParseCase(line, &c, &message)) {
      if (error != nullptr) {
        *error = std::string(source_name) + ":" + std::to_string(line_number) + ": " + message;
      }
      return false;
    }
    parsed.push_back(std::move(c));
  }
  *cases = std::move(parsed);
  return true;
}

bool LoadCaseFile(const std::string& path, std::vector<Case>* cases, std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (error != nullptr) {
      *error = "cannot open '" + path + "': " + std::strerror(errno);
    }
    return false;
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    if (error != nullptr) {
      *error = "cannot read '" + path + "'";
    }
    return false;
  }
  return LoadCaseText(contents.str(), path, cases, error);
}

}  // namespace ravel_cases
