# Writes OUTPUT, a C++ source whose ravel_cases::FUNCTION() returns the text of INPUT as a raw
# string, so that binaries need no data file at run time.
#   cmake -DINPUT=suite.txt -DOUTPUT=suite.cc -DFUNCTION=DefaultSuite -P embed_text.cmake
foreach(variable INPUT OUTPUT FUNCTION)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "embed_text.cmake: -D${variable}=... is required")
  endif()
endforeach()

set(delimiter "ravel_embedded")
file(READ "${INPUT}" text)
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter ')${delimiter}\"'")
endif()

file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by embed_text.cmake; do not edit.
#include <string_view>

#include \"cases/case.h\"

namespace ravel_cases {

std::string_view ${FUNCTION}() {
  static constexpr char kText[] = R\"${delimiter}(${text})${delimiter}\";
  return std::string_view(kText, sizeof(kText) - 1);
}

}  // namespace ravel_cases
")
