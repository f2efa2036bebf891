# Tests of the WASI layer (included from kernel/CMakeLists.txt): host calls on
# plain memory. Whole programs run as kernel processes in proc_test
# (kernel/proc/programs_test.cc).
file(GLOB _wasi_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/wasi/*_test.cc)
add_executable(wasi_test ${_wasi_tests})
target_link_libraries(wasi_test PRIVATE shoal_wasi GTest::gtest_main GTest::gmock)
gtest_discover_tests(wasi_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
