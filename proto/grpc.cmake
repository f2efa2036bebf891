# shoal_grpc_proto: the control plane's generated Protocol Buffers and gRPC
# code (admin.proto, peer.proto). Kept in its own library because generated
# gRPC code is slow to compile: editing the daemon never rebuilds it.
# deploy/install-deps installs both; a missing one fails the configure.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)

set(SHOAL_GRPC_PROTOS ${CMAKE_CURRENT_SOURCE_DIR}/admin.proto ${CMAKE_CURRENT_SOURCE_DIR}/peer.proto)
set(SHOAL_GRPC_OUT ${CMAKE_BINARY_DIR}/generated/proto)
file(MAKE_DIRECTORY ${SHOAL_GRPC_OUT})

add_library(shoal_grpc_proto STATIC)
target_sources(shoal_grpc_proto PRIVATE ${SHOAL_GRPC_PROTOS})
# Generated code is not ours to warn about.
target_compile_options(shoal_grpc_proto PRIVATE -w)
target_link_libraries(shoal_grpc_proto PUBLIC protobuf::libprotobuf gRPC::grpc++)
# Includes read "proto/admin.pb.h" style: the parent of generated/proto.
target_include_directories(shoal_grpc_proto PUBLIC ${CMAKE_BINARY_DIR}/generated)
protobuf_generate(TARGET shoal_grpc_proto LANGUAGE cpp
                  IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR}
                  PROTOC_OUT_DIR ${SHOAL_GRPC_OUT} APPEND_PATH)
protobuf_generate(TARGET shoal_grpc_proto LANGUAGE grpc
                  GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
                  PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
                  IMPORT_DIRS ${CMAKE_CURRENT_SOURCE_DIR}
                  PROTOC_OUT_DIR ${SHOAL_GRPC_OUT} APPEND_PATH)
