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
find_program(SHOAL_WAT2WASM wat2wasm)
file(GLOB _wats CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/wasi/testdata/*.wat)
if(SHOAL_WAT2WASM AND _wats)
  set(_wasms)
  foreach(_wat ${_wats})
    get_filename_component(_name ${_wat} NAME_WE)
    set(_out ${CMAKE_BINARY_DIR}/wasi_testdata/${_name}.wasm)
    add_custom_command(OUTPUT ${_out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/wasi_testdata
      COMMAND ${SHOAL_WAT2WASM} ${_wat} -o ${_out}
      DEPENDS ${_wat} VERBATIM)
    list(APPEND _wasms ${_out})
  endforeach()
  add_custom_target(wasi_testdata DEPENDS ${_wasms})
  add_dependencies(wasi_test wasi_testdata)
endif()
gtest_discover_tests(wasi_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
