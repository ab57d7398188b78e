# ctest: runs the ravel command with the arguments after "--" and checks its exit status and its
# output (stdout and stderr together) against a regular expression.
#   cmake -DRAVEL=path/to/ravel -DEXIT=1 -DEXPECT=regex -P check_command.cmake -- ARG...
foreach(variable RAVEL EXIT EXPECT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "check_command.cmake: -D${variable}=... is required")
  endif()
endforeach()

set(args "")
set(after_separator OFF)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_separator)
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_separator ON)
  endif()
endforeach()

execute_process(
  COMMAND ${RAVEL} ${args}
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output
  RESULT_VARIABLE result)
list(JOIN args " " command)
if(NOT result STREQUAL EXIT)
  message(FATAL_ERROR "ravel ${command}: exit status ${result}, expected ${EXIT}\n${output}")
endif()
if(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "ravel ${command}: output does not match '${EXPECT}'\n${output}")
endif()
message(STATUS "ravel ${command}: exit status ${result}, output matches '${EXPECT}'")
