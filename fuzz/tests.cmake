# Fuzz smoke tests for CTest, included by the root CMakeLists.txt; they exist only with
# -DINCIDENT_FUZZ_TESTS=ON: fuzz.build builds fuzz/ with clang++-14 (scripts/fuzz.sh), then
# each fuzz.<name> runs one harness for INCIDENT_FUZZ_SECONDS on a copy of its corpus.
option(INCIDENT_FUZZ_TESTS "Register the libFuzzer smoke tests of fuzz/ (needs clang-14)" OFF)
if(NOT INCIDENT_FUZZ_TESTS)
  return()
endif()

set(INCIDENT_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz.<name> test fuzzes")
set(fuzz_script ${CMAKE_CURRENT_LIST_DIR}/../scripts/fuzz.sh)
set(fuzz_env INCIDENT_FUZZ_BUILD=${CMAKE_BINARY_DIR}/fuzz)

# A separate clang build: under a minute on two idle cores, a few minutes on busy ones.
add_test(NAME fuzz.build COMMAND env ${fuzz_env} ${fuzz_script} --build-only)
set_tests_properties(fuzz.build PROPERTIES FIXTURES_SETUP fuzz TIMEOUT 1200 LABELS fuzz)

# Harnesses are found by file name, as scripts/fuzz.sh finds them.
file(GLOB fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.cpp)
foreach(source IN LISTS fuzz_sources)
  get_filename_component(name ${source} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${name})
  add_test(NAME fuzz.${name}
           COMMAND env ${fuzz_env} ${fuzz_script} --no-build ${INCIDENT_FUZZ_SECONDS} ${name})
  # libFuzzer may overrun -max_total_time by one slow input (-timeout=10) and its exit.
  math(EXPR fuzz_timeout "${INCIDENT_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz.${name} PROPERTIES FIXTURES_REQUIRED fuzz TIMEOUT ${fuzz_timeout}
                                               LABELS fuzz)
endforeach()
