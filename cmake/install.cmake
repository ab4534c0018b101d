# What `cmake --install` puts where (GNU dirs under the prefix):
#   bin/                        sandboxrt (also the jail launcher), sandboxrt-full
#   libexec/sandboxrt/          sandboxrt-waiter, sandboxrt-zygote.so (docker/ and
#                               isolation/CMakeLists.txt install these)
#   lib/                        libsandboxrt.so.* and libsandboxrt.a, pkgconfig/sandboxrt.pc
#   include/                    sandboxrt.h
#   share/sandboxrt/            policies/ (the built-in ones, as files to copy), data/ (evaluator)
#   share/man/man1/             sandboxrt(1) and sandboxrt-COMMAND(1), from docs/man/*.scd
#   share/bash-completion/      completions/sandboxrt
# Installed code finds its files relative to the prefix it is installed in (base/util.c:
# sbx_install_path), so `cmake --install build --prefix DIR` gives a working tree in DIR.
include(GNUInstallDirs)

file(REAL_PATH ${CMAKE_BINARY_DIR} SBX_BUILD_DIR_REAL) # compared with canonical paths
configure_file(${CMAKE_CURRENT_LIST_DIR}/install_dirs.h.in
               ${CMAKE_BINARY_DIR}/generated/install_dirs.h @ONLY)

# ---- libsandboxrt ---------------------------------------------------------------------------

# The layers up to lib/ (the runtime, its backends and the entry that registers them; not the
# evaluator, server or CLI), whose static libraries are position-independent: the shared library
# takes every object of them, the static one is their archives merged.
set(sbx_lib_layers sbx_base sbx_policies sbx_runtime sbx_isolation sbx_docker sbx_remote sbx_lib)
# Only the API of sandboxrt.h is exported: a version script made from its declarations.
file(STRINGS ${CMAKE_SOURCE_DIR}/include/sandboxrt.h sbx_api_lines REGEX "^[a-z].*[ *]sbx_[a-z0-9_]+\\(")
set(sbx_api_symbols "")
foreach(line IN LISTS sbx_api_lines)
  string(REGEX MATCH "sbx_[a-z0-9_]+\\(" sym "${line}")
  string(REPLACE "(" ";" sym "${sym}")
  string(APPEND sbx_api_symbols "    ${sym}\n")
endforeach()
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/generated/sandboxrt.map CONTENT
     "/* Generated from include/sandboxrt.h by cmake/install.cmake. */\nSANDBOXRT_0 {\n  global:\n${sbx_api_symbols}  local:\n    *;\n};\n")
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CMAKE_SOURCE_DIR}/include/sandboxrt.h)

# (CMake wants a source of its own: all of the code comes from the layers.)
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/generated/libsandboxrt.c
     CONTENT "/* libsandboxrt.so: the layers' objects, linked whole (cmake/install.cmake). */\n")
add_library(sandboxrt_shared SHARED ${CMAKE_BINARY_DIR}/generated/libsandboxrt.c)
get_target_property(sbx_lib_link_options sandboxrt_shared LINK_OPTIONS)
list(REMOVE_ITEM sbx_lib_link_options -pie) # a library, not an executable
set_target_properties(sandboxrt_shared PROPERTIES LINK_OPTIONS "${sbx_lib_link_options}"
                      OUTPUT_NAME sandboxrt VERSION ${PROJECT_VERSION} SOVERSION 0
                      LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib
                      LINK_DEPENDS ${CMAKE_BINARY_DIR}/generated/sandboxrt.map)
target_link_options(sandboxrt_shared PRIVATE
                    -Wl,--version-script=${CMAKE_BINARY_DIR}/generated/sandboxrt.map
                    -Wl,--no-undefined)
# Every object of the layers (the API is what sandboxrt.h declares, not what a program happens
# to call); linking sbx_lib besides adds their dependencies and pulls nothing more.
list(TRANSFORM sbx_lib_layers REPLACE "(.+)" "$<TARGET_FILE:\\1>" OUTPUT_VARIABLE sbx_lib_archives)
target_link_options(sandboxrt_shared PRIVATE -Wl,--whole-archive ${sbx_lib_archives}
                    -Wl,--no-whole-archive)
target_link_libraries(sandboxrt_shared PRIVATE sbx_lib)

# libsandboxrt.a: the layers' archives in one (GNU ar's MRI script).
set(sbx_ar_script "CREATE ${CMAKE_BINARY_DIR}/lib/libsandboxrt.a\n")
foreach(layer IN LISTS sbx_lib_layers)
  string(APPEND sbx_ar_script "ADDLIB $<TARGET_FILE:${layer}>\n")
endforeach()
string(APPEND sbx_ar_script "SAVE\nEND\n")
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/generated/libsandboxrt.mri CONTENT "${sbx_ar_script}")
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/lib/libsandboxrt.a
                   COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/lib
                   COMMAND ${CMAKE_COMMAND} -E rm -f ${CMAKE_BINARY_DIR}/lib/libsandboxrt.a
                   COMMAND ${CMAKE_AR} -M < ${CMAKE_BINARY_DIR}/generated/libsandboxrt.mri
                   DEPENDS ${sbx_lib_layers} ${CMAKE_BINARY_DIR}/generated/libsandboxrt.mri
                   VERBATIM)
add_custom_target(sandboxrt_static ALL DEPENDS ${CMAKE_BINARY_DIR}/lib/libsandboxrt.a)

install(TARGETS sandboxrt_shared)
install(FILES ${CMAKE_BINARY_DIR}/lib/libsandboxrt.a DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/sandboxrt.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# pkg-config: ${prefix} is relative to the .pc file, so the file stays right under any
# `--prefix` given at install time. The static library needs the dependencies' flags too.
file(RELATIVE_PATH sbx_pc_to_prefix ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" sbx_pc_to_prefix "${sbx_pc_to_prefix}")
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/generated/sandboxrt.pc @ONLY CONTENT
"prefix=\${pcfiledir}/${sbx_pc_to_prefix}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}

Name: sandboxrt
Description: Run untrusted code in a hardened sandbox and get one result back
Version: ${PROJECT_VERSION}
Requires.private: libseccomp libcap libcurl libcjson yaml-0.1 libarchive
Libs: -L\${libdir} -lsandboxrt
Libs.private: -lpthread -lm
Cflags: -I\${includedir}
")
install(FILES ${CMAKE_BINARY_DIR}/generated/sandboxrt.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- policies, man pages, completion --------------------------------------------------------

# The built-in policies are compiled in; these copies are for `--policy-dir` trees to start from.
file(GLOB sbx_policy_files ${CMAKE_SOURCE_DIR}/policies/*.yaml)
install(FILES ${sbx_policy_files} DESTINATION ${CMAKE_INSTALL_DATADIR}/sandboxrt/policies)

find_program(SBX_SCDOC scdoc)
if(SBX_SCDOC)
  file(GLOB sbx_man_sources ${CMAKE_SOURCE_DIR}/docs/man/*.1.scd)
  set(sbx_man_pages "")
  foreach(src IN LISTS sbx_man_sources)
    get_filename_component(page ${src} NAME_WLE)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
                       COMMAND ${SBX_SCDOC} < ${src} > ${CMAKE_BINARY_DIR}/man/${page}
                       DEPENDS ${src} VERBATIM)
    list(APPEND sbx_man_pages ${CMAKE_BINARY_DIR}/man/${page})
  endforeach()
  add_custom_target(man ALL DEPENDS ${sbx_man_pages})
  install(FILES ${sbx_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "scdoc not found: the man pages are not built (scripts/install-deps.sh "
                  "installs it)")
endif()

install(FILES ${CMAKE_SOURCE_DIR}/completion/sandboxrt.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sandboxrt)
