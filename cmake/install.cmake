# Installs ravel as a CMake package (find_package(ravel CONFIG): ravel::ravel, ravel::ravel_static)
# and as a pkg-config module (ravel.pc). Included from the top-level CMakeLists.txt when
# RAVEL_INSTALL is on. Every installed file is relocatable: `cmake --install . --prefix DIR`.
include(CMakePackageConfigHelpers)

set(RAVEL_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/ravel"
  CACHE STRING "Where ravel-config.cmake goes, relative to the prefix")
set(RAVEL_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
  CACHE STRING "Where ravel.pc goes, relative to the prefix")

install(TARGETS ravel ravel_static
  EXPORT ravel-targets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")

# The public headers: include/ravel/*.h and *.hpp (globbed when installing, not when configuring).
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/ravel"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

install(EXPORT ravel-targets
  NAMESPACE ravel::
  FILE ravel-targets.cmake
  DESTINATION "${RAVEL_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/ravel-config.cmake.in"
  "${PROJECT_BINARY_DIR}/ravel-config.cmake"
  INSTALL_DESTINATION "${RAVEL_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/ravel-config-version.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/ravel-config.cmake"
  "${PROJECT_BINARY_DIR}/ravel-config-version.cmake"
  DESTINATION "${RAVEL_INSTALL_CMAKEDIR}")

# ravel.pc finds its prefix from its own location (${pcfiledir}), so it stays right after
# `cmake --install --prefix` and in relocated trees; absolute install dirs are kept as they are.
function(ravel_pkgconfig_dir var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${RAVEL_INSTALL_PKGCONFIGDIR}")
  set(ravel_pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH ravel_pc_up "/prefix/${RAVEL_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" ravel_pc_up "${ravel_pc_up}")
  set(ravel_pc_prefix "\${pcfiledir}/${ravel_pc_up}")
endif()
ravel_pkgconfig_dir(ravel_pc_libdir "${CMAKE_INSTALL_LIBDIR}")
ravel_pkgconfig_dir(ravel_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/ravel.pc.in" "${PROJECT_BINARY_DIR}/ravel.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/ravel.pc" DESTINATION "${RAVEL_INSTALL_PKGCONFIGDIR}")
