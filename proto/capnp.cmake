# The data plane's Cap'n Proto schemas (ARCHITECTURE.md, invariant 7), built
# into one library, shoal_capnp. Generated headers land under
# <build>/proto/, so code includes them as "proto/<name>.capnp.h".
find_package(CapnProto CONFIG REQUIRED)

file(GLOB SHOAL_CAPNP_SCHEMAS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.capnp)
set(CAPNPC_SRC_PREFIX ${CMAKE_SOURCE_DIR})
set(CAPNPC_OUTPUT_DIR ${CMAKE_BINARY_DIR})
capnp_generate_cpp(SHOAL_CAPNP_SRCS SHOAL_CAPNP_HDRS ${SHOAL_CAPNP_SCHEMAS})

add_library(shoal_capnp STATIC ${SHOAL_CAPNP_SRCS} ${SHOAL_CAPNP_HDRS})
target_include_directories(shoal_capnp PUBLIC ${CMAKE_BINARY_DIR})
target_link_libraries(shoal_capnp PUBLIC CapnProto::capnp)
