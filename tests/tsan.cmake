# ThreadSanitizer smoke tests for CTest, included by the root CMakeLists.txt; they exist
# only with -DINCIDENT_TSAN_TESTS=ON. tsan.build configures a second build with
# -DINCIDENT_TSAN=ON and builds the tests that run no CAF actor and no Pistache reactor
# (neither library is instrumented, so reports there would be false): the unit tests and
# the connection layer's tests on real sockets with its own threads, and the webhook
# sender's on loopback with its libcurl thread. Each then runs whole.
option(INCIDENT_TSAN_TESTS "Register the ThreadSanitizer runs of the tests without CAF or Pistache" OFF)
if(NOT INCIDENT_TSAN_TESTS)
  return()
endif()

set(tsan_build ${CMAKE_BINARY_DIR}/tsan)
add_test(NAME tsan.build
         COMMAND sh -c "cmake -S '${PROJECT_SOURCE_DIR}' -B '${tsan_build}' \
-DCMAKE_BUILD_TYPE=RelWithDebInfo -DINCIDENT_TSAN=ON >/dev/null && \
cmake --build '${tsan_build}' -j2 --target unit_tests connection_tests webhook_sender_tests")
set_tests_properties(tsan.build PROPERTIES FIXTURES_SETUP tsan TIMEOUT 1800 LABELS tsan)

foreach(name unit_tests connection_tests webhook_sender_tests)
  add_test(NAME tsan.${name} COMMAND env TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
                                     ${tsan_build}/tests/unit/${name})
  set_tests_properties(tsan.${name} PROPERTIES FIXTURES_REQUIRED tsan TIMEOUT 600 LABELS tsan)
endforeach()
