# Shared compile settings and helpers for every hotsplice target.

# Warnings are errors where the code is written and checked (the debug and fuzz presets, CI),
# not for people building a release with whatever compiler they have: optimiser-driven
# warnings (-Wrestrict, -Wstringop-overflow at -O3) differ between compiler versions.
# (-Werror stays in its old place on the command line, so ccache entries stay valid.)
set(HOTSPLICE_WARNINGS -Wall -Wextra)
if(HOTSPLICE_WERROR)
  list(APPEND HOTSPLICE_WARNINGS -Werror)
endif()
list(APPEND HOTSPLICE_WARNINGS -Wshadow -Wnon-virtual-dtor -Wformat=2)

function(hotsplice_target_defaults target)
  target_compile_options(${target} PRIVATE ${HOTSPLICE_WARNINGS})
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# The fuzz preset instruments every library, not only the fuzzer's own file: without
# coverage feedback from the decoders and parsers, libFuzzer would be guessing blind.
if(HOTSPLICE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(HOTSPLICE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# hotsplice_library(name SOURCES ... LIBS ...): a static library of one component.
function(hotsplice_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_LIBS})
  hotsplice_target_defaults(${name})
endfunction()

# hotsplice_test(name LABEL unit SOURCES ... LIBS ... PROPERTIES ...): a Catch2 test binary
# whose test cases are registered one by one with ctest under the given label, each with the
# extra ctest PROPERTIES given (fixtures, timeouts, resource locks).
function(hotsplice_test name)
  if(NOT HOTSPLICE_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBS;PROPERTIES" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE hotsplice_test_support ${ARG_LIBS})
  hotsplice_target_defaults(${name})
  catch_discover_tests(${name}
    TEST_PREFIX "${name}: "
    # A case that cannot run prints "SKIPPED: why" and returns: ctest shows it skipped.
    PROPERTIES LABELS ${ARG_LABEL} SKIP_REGULAR_EXPRESSION "SKIPPED: " ${ARG_PROPERTIES}
    # NoTests: a name ctest passes that matches no test case fails instead of passing.
    EXTRA_ARGS --use-colour no --warn NoTests)
endfunction()
