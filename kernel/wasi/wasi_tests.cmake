# Tests of the WASI layer (included from kernel/CMakeLists.txt): host calls on
# plain memory, and the example apps run end to end through the real VM.
file(GLOB _wasi_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/wasi/*_test.cc)
add_executable(wasi_test ${_wasi_tests})
target_link_libraries(wasi_test PRIVATE shoal_wasi GTest::gtest_main GTest::gmock)
target_compile_definitions(wasi_test PRIVATE
  SHOAL_APPS_DIR="${CMAKE_BINARY_DIR}/bin/apps"
  SHOAL_WASI_TESTDATA_DIR="${CMAKE_BINARY_DIR}/wasi_testdata")
if(SHOAL_BUILD_APPS)
  add_dependencies(wasi_test shoal_apps)
endif()

# Hand-written modules (kernel/wasi/testdata/*.wat) for the tests.
shoal_wat_testdata(wasi_test ${CMAKE_CURRENT_SOURCE_DIR}/wasi/testdata
                   ${CMAKE_BINARY_DIR}/wasi_testdata)
gtest_discover_tests(wasi_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
