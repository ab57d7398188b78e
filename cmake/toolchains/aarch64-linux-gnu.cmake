# Cross build for aarch64 Linux with Debian's cross toolchain and arm64 multiarch packages; tests
# and gtest discovery run under qemu-user. tools/cross-test.sh installs everything and uses it:
#
#   cmake -S . -B build-aarch64 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# Debian 12: dpkg --add-architecture arm64; apt-get install g++-aarch64-linux-gnu qemu-user
# libhwy-dev:arm64 libgtest-dev:arm64 (pthreadpool: see tools/cross-test.sh). The JIT is x86-64
# only: jit/CMakeLists.txt builds its declining stub for this CMAKE_SYSTEM_PROCESSOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
# Multiarch: find_library and find_package look in lib/aarch64-linux-gnu under each root.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Libraries, headers and CMake packages come from the cross toolchain's root (glibc, libstdc++) and
# from the multiarch tree under / (/usr/lib/aarch64-linux-gnu, /usr/include/aarch64-linux-gnu,
# and the architecture-independent /usr/include); CMAKE_LIBRARY_ARCHITECTURE keeps
# /usr/lib/x86_64-linux-gnu out. Programs (ninja, qemu, python) are the host's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# add_test, gtest_discover_tests and try_run run aarch64 programs through qemu-user; the CPU comes
# from QEMU_CPU (qemu's default, "max", has NEON and SVE2 at 512 bits). -L makes qemu take the
# dynamic loader from the cross toolchain's root. When Debian's arm64 libc6 is installed
# (libhwy1:arm64 depends on it), its loader /lib/ld-linux-aarch64.so.1 is used instead: a loader
# and the libc.so.6 it finds in /lib/aarch64-linux-gnu must come from one build of glibc, and the
# cross root's (libc6-arm64-cross) is an older Debian revision than libc6:arm64.
# A cache entry, so that -DCMAKE_CROSSCOMPILING_EMULATOR=... overrides it and scripts can read it.
if(EXISTS /lib/ld-linux-aarch64.so.1)
  set(ravel_emulator qemu-aarch64)
else()
  set(ravel_emulator qemu-aarch64 -L /usr/aarch64-linux-gnu)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${ravel_emulator}" CACHE STRING
  "How aarch64 programs run on this machine (tests, gtest discovery)")
