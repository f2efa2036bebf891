# Tests of kernel/proc and kernel/abi (included from kernel/CMakeLists.txt):
# real processes from hand-written modules (testdata/*.wat) and the apps.
file(GLOB _proc_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/proc/*_test.cc
     ${CMAKE_CURRENT_SOURCE_DIR}/abi/*_test.cc)
add_executable(proc_test ${_proc_tests})
target_link_libraries(proc_test PRIVATE shoal_abi GTest::gtest_main GTest::gmock)
target_compile_definitions(proc_test PRIVATE
  SHOAL_APPS_DIR="${CMAKE_BINARY_DIR}/bin/apps"
  SHOAL_PROC_TESTDATA_DIR="${CMAKE_BINARY_DIR}/proc_testdata")
shoal_wat_testdata(proc_test ${CMAKE_CURRENT_SOURCE_DIR}/proc/testdata
                   ${CMAKE_BINARY_DIR}/proc_testdata)
if(SHOAL_BUILD_APPS)
  add_dependencies(proc_test shoal_apps)
endif()
gtest_discover_tests(proc_test TEST_PREFIX "proc_test." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300)
