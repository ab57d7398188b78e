# Steps of the packaging tests, run by ctest as `cmake -DSTEP=... -P install_and_consume.cmake`.
# Everything happens under WORK_DIR (the build tree); PREFIX is the install prefix there.
#   STEP=install     BUILD_DIR: `cmake --install BUILD_DIR --prefix PREFIX`, from scratch.
#   STEP=consumer    SOURCE_DIR, TARGET, GENERATOR, MAKE_PROGRAM, CXX_COMPILER: configure the
#                    consumer project with CMAKE_PREFIX_PATH=PREFIX, build it, run it.
#   STEP=pkg-config  PKG_CONFIG, C_COMPILER, SOURCE: compile and link SOURCE with the flags of
#                    `pkg-config --cflags --libs ravel` from PREFIX, run it.
cmake_minimum_required(VERSION 3.16)

# Runs a command, echoing it; stops the test with its output when it fails.
function(run)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "$ ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${shown}\n${output}")
  endif()
  set(run_output "${output}" PARENT_SCOPE)
endfunction()

if(CONFIG STREQUAL "")
  set(CONFIG Release)
endif()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" --config "${CONFIG}")
  file(GLOB_RECURSE installed RELATIVE "${PREFIX}" "${PREFIX}/*")
  list(SORT installed)
  string(REPLACE ";" "\n  " installed "${installed}")
  message(STATUS "installed in ${PREFIX}:\n  ${installed}")
  # Nothing installed may point back into the build or source tree.
  file(GLOB_RECURSE text_files "${PREFIX}/*.cmake" "${PREFIX}/*.pc")
  get_filename_component(source_dir "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
  foreach(file IN LISTS text_files)
    file(READ "${file}" text)
    foreach(tree IN ITEMS "${BUILD_DIR}" "${source_dir}")
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${file} names ${tree}")
      endif()
    endforeach()
  endforeach()

elseif(STEP STREQUAL "consumer")
  string(REPLACE "::" "-" name "${TARGET}")
  set(binary_dir "${WORK_DIR}/consumer-${name}")
  file(REMOVE_RECURSE "${binary_dir}")
  set(configure_args -S "${SOURCE_DIR}" -B "${binary_dir}" -G "${GENERATOR}"
    "-DCMAKE_BUILD_TYPE=${CONFIG}" "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DRAVEL_CONSUMER_TARGET=${TARGET}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  if(MAKE_PROGRAM)
    list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(CXX_COMPILER)
    list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  endif()
  run("${CMAKE_COMMAND}" ${configure_args})
  # The package must come from PREFIX, not from a system-wide install.
  file(STRINGS "${binary_dir}/CMakeCache.txt" ravel_dir REGEX "^ravel_DIR:")
  string(FIND "${ravel_dir}" "=${PREFIX}/" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "find_package(ravel) did not use ${PREFIX}: ${ravel_dir}")
  endif()
  run("${CMAKE_COMMAND}" --build "${binary_dir}" --config "${CONFIG}")
  file(GLOB_RECURSE executables "${binary_dir}/ravel_consumer" "${binary_dir}/ravel_consumer.exe")
  if(NOT executables)
    message(FATAL_ERROR "no ravel_consumer in ${binary_dir}")
  endif()
  list(GET executables 0 executable)
  run("${executable}")
  message(STATUS "${run_output}")

elseif(STEP STREQUAL "pkg-config")
  set(ENV{PKG_CONFIG_PATH} "")
  set(ENV{PKG_CONFIG_LIBDIR} "")
  file(GLOB_RECURSE pc_files "${PREFIX}/*/ravel.pc")
  if(NOT pc_files)
    message(FATAL_ERROR "no ravel.pc under ${PREFIX}")
  endif()
  list(GET pc_files 0 pc_file)
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  run("${PKG_CONFIG}" --cflags --libs ravel)
  string(STRIP "${run_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run("${PKG_CONFIG}" --variable=libdir ravel)
  string(STRIP "${run_output}" libdir)
  get_filename_component(libdir "${libdir}" ABSOLUTE)
  if(NOT EXISTS "${libdir}")
    message(FATAL_ERROR "pkg-config's libdir ${libdir} does not exist")
  endif()
  set(executable "${WORK_DIR}/pkg_config_c_test")
  file(REMOVE "${executable}")
  run("${C_COMPILER}" -std=c99 -Wall -Wextra -Wpedantic -Werror "${SOURCE}" ${flags}
    "-Wl,-rpath,${libdir}" -o "${executable}")
  run("${executable}")
  message(STATUS "${run_output}")

else()
  message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
