# yb_build_flags: an interface target every project target links, so warnings, the POSIX
# feature level and the sanitizers are set in one place and never directory-wide.
add_library(yb_build_flags INTERFACE)
target_compile_options(yb_build_flags INTERFACE
  -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wformat=2 -Wvla -Wimplicit-fallthrough -Wundef)
# C11 without GNU extensions, plus the POSIX.1-2008 interfaces (clock_gettime, strndup, ...).
target_compile_definitions(yb_build_flags INTERFACE _POSIX_C_SOURCE=200809L)

if(YB_SANITIZE)
  set(yb_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
  target_compile_options(yb_build_flags INTERFACE ${yb_sanitizers})
  target_link_options(yb_build_flags INTERFACE ${yb_sanitizers})
endif()

# YB_FUZZ: coverage instrumentation for libFuzzer in every target (clang only); the fuzz
# targets themselves add -fsanitize=fuzzer (tests/CMakeLists.txt, tests/fuzz/run).
option(YB_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
if(YB_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "YB_FUZZ needs clang: configure with CC=clang-14")
  endif()
  target_compile_options(yb_build_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()
