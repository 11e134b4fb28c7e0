# Every external library comes from a Debian package through its pkg-config file, as an
# imported target PkgConfig::<NAME>. A missing one stops the configure step and names the
# package to install (deploy/setup installs them all).
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' "
                      "(apt-get install pkg-config), or run deploy/setup")
endif()

# yb_require_package(<NAME> <pkg-config module> <Debian package>)
function(yb_require_package name module debian_package)
  pkg_check_modules(${name} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "Missing dependency '${module}': install the Debian package "
                        "'${debian_package}' (apt-get install ${debian_package}), "
                        "or run deploy/setup")
  endif()
  message(STATUS "Found ${module} ${${name}_VERSION}")
endfunction()

yb_require_package(RDKAFKA rdkafka librdkafka-dev)
yb_require_package(AVRO avro-c libavro-dev)
yb_require_package(HIREDIS hiredis libhiredis-dev)
yb_require_package(JANSSON jansson libjansson-dev)
yb_require_package(MICROHTTPD libmicrohttpd libmicrohttpd-dev)
yb_require_package(CRYPTO libcrypto libssl-dev)
if(BUILD_TESTING OR NOT DEFINED BUILD_TESTING)
  yb_require_package(CMOCKA cmocka libcmocka-dev)
endif()
