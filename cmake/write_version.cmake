# Run at build time (clusterd/CMakeLists.txt): writes version.cc with the
# git commit of the source tree, rewriting it only when it changed so that
# an unchanged commit relinks nothing.
execute_process(COMMAND git -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE SHOAL_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE git_result)
if(NOT git_result EQUAL 0 OR SHOAL_GIT_COMMIT STREQUAL "")
  set(SHOAL_GIT_COMMIT "unknown")
endif()
configure_file("${SOURCE_DIR}/clusterd/version.cc.in" "${OUTPUT}" @ONLY)
