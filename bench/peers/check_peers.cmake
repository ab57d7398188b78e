# ctest: `ravel bench --peers --json` on two tiny cases that every peer can express; every peer
# that is installed must have copied them byte for byte as ravel did (status "ok", verified).
# Peers that are not installed are reported as such and pass.
#   cmake -DRAVEL=path/to/ravel -P check_peers.cmake
cmake_minimum_required(VERSION 3.19)  # string(JSON)

set(cases "f32[2,3,4].permute(2,0,1)" "u8[3,5,7].permute(2,1,0)")
execute_process(
  COMMAND ${RAVEL} bench --peers --json --min-time 0.01 --threads 1 ${cases}
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "ravel bench --peers exited with ${result}\n${errors}\n${output}")
endif()

string(REPLACE "\n" ";" lines "${output}")
set(verified "")
set(missing "")
set(failures "")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(JSON impl GET "${line}" impl)
  string(JSON status GET "${line}" status)
  string(JSON case_text GET "${line}" case)
  if(status STREQUAL "not installed")
    list(APPEND missing ${impl})
  elseif(status STREQUAL "ok")
    string(JSON is_verified GET "${line}" verified)
    if(is_verified)
      list(APPEND verified ${impl})
    else()
      list(APPEND failures "${impl} on ${case_text}: not verified")
    endif()
  else()
    string(JSON reason ERROR_VARIABLE no_reason GET "${line}" reason)
    list(APPEND failures "${impl} on ${case_text}: ${status}: ${reason}")
  endif()
endforeach()

list(REMOVE_DUPLICATES verified)
list(REMOVE_DUPLICATES missing)
if(NOT "ravel" IN_LIST verified)
  list(APPEND failures "no verified ravel row")
endif()
if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "peers not verified equal to ravel:\n  ${text}\n${errors}")
endif()
message(STATUS "verified equal to ravel: ${verified}; not installed: ${missing}")
