# Tests of the WASI layer (included from kernel/CMakeLists.txt).
#
# The VM is being built in parts. Until the runtime (Store, Memory,
# LoadModule, Instantiate) and the interpreter have landed, the tests that
# link or run modules cannot link, so they are left out of wasi_test; the
# rest (objects, paths, host calls on plain memory) always build.
# SHOAL_VM_RUNTIME_READY / SHOAL_VM_ENGINE_READY say what is there.

file(GLOB _vm_srcs ${CMAKE_CURRENT_SOURCE_DIR}/vm/*.cc)
list(FILTER _vm_srcs EXCLUDE REGEX "_test\\.cc$")
set(_has_store OFF)
set(_has_load OFF)
set(_engine_placeholder ON)
foreach(_f ${_vm_srcs})
  file(STRINGS ${_f} _hit REGEX "Store::AddHostFunction")
  if(_hit)
    set(_has_store ON)
  endif()
  file(STRINGS ${_f} _hit REGEX "Result<std::shared_ptr<const CompiledModule>> LoadModule\\(")
  if(_hit)
    set(_has_load ON)
  endif()
endforeach()
# The interpreter replaces the placeholder thread.cc in place, which no glob
# notices: re-run CMake when that file changes.
set(_thread_cc ${CMAKE_CURRENT_SOURCE_DIR}/vm/thread.cc)
if(EXISTS ${_thread_cc})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_thread_cc})
  file(STRINGS ${_thread_cc} _hit REGEX "^// PLACEHOLDER")
  if(NOT _hit)
    set(_engine_placeholder OFF)
  endif()
else()
  set(_engine_placeholder OFF)
endif()
if(_has_store AND _has_load)
  set(SHOAL_VM_RUNTIME_READY ON CACHE INTERNAL "")
else()
  set(SHOAL_VM_RUNTIME_READY OFF CACHE INTERNAL "")
endif()
if(SHOAL_VM_RUNTIME_READY AND NOT _engine_placeholder)
  set(SHOAL_VM_ENGINE_READY ON CACHE INTERNAL "")
else()
  set(SHOAL_VM_ENGINE_READY OFF CACHE INTERNAL "")
endif()
message(STATUS "WASI: VM runtime ready: ${SHOAL_VM_RUNTIME_READY}, "
               "interpreter ready: ${SHOAL_VM_ENGINE_READY}")

file(GLOB _wasi_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/wasi/*_test.cc)
# Tests that instantiate modules: run_main_test.cc, wasi_link_test.cc.
if(NOT SHOAL_VM_RUNTIME_READY)
  list(FILTER _wasi_tests EXCLUDE REGEX "(run_main|wasi_link)_test\\.cc$")
endif()
add_executable(wasi_test ${_wasi_tests})
target_link_libraries(wasi_test PRIVATE shoal_wasi GTest::gtest_main GTest::gmock)
target_compile_definitions(wasi_test PRIVATE
  SHOAL_APPS_DIR="${CMAKE_BINARY_DIR}/bin/apps"
  SHOAL_WASI_TESTDATA_DIR="${CMAKE_BINARY_DIR}/wasi_testdata"
  SHOAL_VM_ENGINE_READY=$<BOOL:${SHOAL_VM_ENGINE_READY}>)
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
