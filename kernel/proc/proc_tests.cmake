# Tests of kernel/proc and kernel/abi (included from kernel/CMakeLists.txt):
# real processes from hand-written modules (testdata/*.wat) and the apps.
file(GLOB _proc_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/proc/*_test.cc
     ${CMAKE_CURRENT_SOURCE_DIR}/abi/*_test.cc)
add_executable(proc_test ${_proc_tests})
target_link_libraries(proc_test PRIVATE shoal_proc GTest::gtest_main GTest::gmock)
target_compile_definitions(proc_test PRIVATE
  SHOAL_APPS_DIR="${CMAKE_BINARY_DIR}/bin/apps"
  SHOAL_PROC_TESTDATA_DIR="${CMAKE_BINARY_DIR}/proc_testdata")
find_program(SHOAL_WAT2WASM wat2wasm)
file(GLOB _proc_wats CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/proc/testdata/*.wat)
if(SHOAL_WAT2WASM AND _proc_wats)
  set(_proc_wasms)
  foreach(_wat ${_proc_wats})
    get_filename_component(_name ${_wat} NAME_WE)
    set(_out ${CMAKE_BINARY_DIR}/proc_testdata/${_name}.wasm)
    add_custom_command(OUTPUT ${_out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/proc_testdata
      COMMAND ${SHOAL_WAT2WASM} ${_wat} -o ${_out}
      DEPENDS ${_wat} VERBATIM)
    list(APPEND _proc_wasms ${_out})
  endforeach()
  add_custom_target(proc_testdata DEPENDS ${_proc_wasms})
  add_dependencies(proc_test proc_testdata)
endif()
if(SHOAL_BUILD_APPS)
  add_dependencies(proc_test shoal_apps)
endif()
gtest_discover_tests(proc_test TEST_PREFIX "proc_test." DISCOVERY_TIMEOUT 60
                     PROPERTIES TIMEOUT 300)
