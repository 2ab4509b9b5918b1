# hotsplice_fuzz_target(name SOURCES ... LIBS ...): one fuzz target, tests/fuzz/<name>_fuzz.cpp
# with its seed corpus in tests/fuzz/corpus/<name>/.
#  - fuzz preset (HOTSPLICE_FUZZ, clang): a libFuzzer binary <name>_fuzz, run by scripts/fuzz.
#  - otherwise (debug, release with tests): the same target linked with the plain replay driver
#    (support/replay_main.cpp), and a ctest "fuzz-replay: <name>" (label fuzz-replay) that
#    feeds it every corpus file, so each corpus is a regression test in the normal run.
function(hotsplice_fuzz_target name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  set(target ${name}_fuzz)
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
  if(NOT EXISTS ${corpus})
    message(FATAL_ERROR "fuzz target ${name} has no seed corpus at ${corpus}")
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE hotsplice_fuzz_support ${ARG_LIBS})
  hotsplice_target_defaults(${target})
  if(HOTSPLICE_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined)
  elseif(HOTSPLICE_TESTS)
    target_link_libraries(${target} PRIVATE hotsplice_fuzz_replay)
    add_test(NAME "fuzz-replay: ${name}" COMMAND ${target} ${corpus})
    set_tests_properties("fuzz-replay: ${name}" PROPERTIES LABELS fuzz-replay TIMEOUT 300)
  endif()
endfunction()
