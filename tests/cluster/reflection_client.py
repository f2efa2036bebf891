#!/usr/bin/python3
"""An independent gRPC client for shoald: Debian's python3-grpcio and
python3-protobuf, no Shoal .proto file and no generated code.

It speaks the server reflection protocol by hand (grpc.reflection.v1alpha,
whose few messages are described below with descriptor_pb2, since Debian 12
packages no grpcio-reflection), lists the services, fetches the Admin
service's descriptors by reflection, builds its message classes at run time
and calls ListNodes and the standard health check.

Usage: reflection_client.py --endpoint HOST:PORT --ca CA.pem --token-file F
                            [--expect-nodes N]
Exit 0 when every step worked (and N nodes are listed, if given).
"""
import argparse
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

REFLECTION = "grpc.reflection.v1alpha"
REFLECTION_METHOD = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def reflection_messages():
    """Message classes for the reflection protocol, described by hand."""
    f = descriptor_pb2.FileDescriptorProto(name="shoal_test_reflection.proto",
                                           package=REFLECTION, syntax="proto3")
    T = descriptor_pb2.FieldDescriptorProto

    def msg(name, fields, oneof=None):
        m = f.message_type.add(name=name)
        if oneof:
            m.oneof_decl.add(name=oneof)
        for number, fname, ftype, label, type_name, in_oneof in fields:
            fd = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                fd.type_name = "." + REFLECTION + "." + type_name
            if in_oneof:
                fd.oneof_index = 0

    opt, rep = T.LABEL_OPTIONAL, T.LABEL_REPEATED
    msg("ServerReflectionRequest", [
        (1, "host", T.TYPE_STRING, opt, None, False),
        (3, "file_by_filename", T.TYPE_STRING, opt, None, True),
        (4, "file_containing_symbol", T.TYPE_STRING, opt, None, True),
        (7, "list_services", T.TYPE_STRING, opt, None, True),
    ], oneof="message_request")
    msg("FileDescriptorResponse", [(1, "file_descriptor_proto", T.TYPE_BYTES, rep, None, False)])
    msg("ServiceResponse", [(1, "name", T.TYPE_STRING, opt, None, False)])
    msg("ListServiceResponse", [(1, "service", T.TYPE_MESSAGE, rep, "ServiceResponse", False)])
    msg("ErrorResponse", [(1, "error_code", T.TYPE_INT32, opt, None, False),
                          (2, "error_message", T.TYPE_STRING, opt, None, False)])
    msg("ServerReflectionResponse", [
        (1, "valid_host", T.TYPE_STRING, opt, None, False),
        (4, "file_descriptor_response", T.TYPE_MESSAGE, opt, "FileDescriptorResponse", True),
        (6, "list_services_response", T.TYPE_MESSAGE, opt, "ListServiceResponse", True),
        (7, "error_response", T.TYPE_MESSAGE, opt, "ErrorResponse", True),
    ], oneof="message_response")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    get = lambda n: message_factory.MessageFactory(pool).GetPrototype(
        pool.FindMessageTypeByName(REFLECTION + "." + n))
    return get("ServerReflectionRequest"), get("ServerReflectionResponse")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--expect-nodes", type=int, default=0)
    args = ap.parse_args()
    token = open(args.token_file).read().strip()
    creds = grpc.ssl_channel_credentials(root_certificates=open(args.ca, "rb").read())
    channel = grpc.secure_channel(args.endpoint, creds)
    metadata = (("authorization", "Bearer " + token),)
    Request, Response = reflection_messages()
    reflect = channel.stream_stream(REFLECTION_METHOD,
                                    request_serializer=lambda m: m.SerializeToString(),
                                    response_deserializer=Response.FromString)

    def ask(**kw):
        [response] = list(reflect(iter([Request(**kw)]), metadata=metadata, timeout=10))
        if response.HasField("error_response"):
            sys.exit("reflection error: " + response.error_response.error_message)
        return response

    services = [s.name for s in ask(list_services="").list_services_response.service]
    print("services:", " ".join(sorted(services)))
    for wanted in ("shoal.admin.v1.Admin", "grpc.health.v1.Health"):
        if wanted not in services:
            sys.exit(wanted + " is not listed by reflection")

    # Every file the Admin service needs, by reflection; then its classes.
    pool = descriptor_pool.DescriptorPool()
    pending = {}
    for blob in ask(file_containing_symbol="shoal.admin.v1.Admin") \
            .file_descriptor_response.file_descriptor_proto:
        fd = descriptor_pb2.FileDescriptorProto.FromString(blob)
        pending[fd.name] = fd
    while pending:  # Dependencies first.
        for name, fd in list(pending.items()):
            if all(d not in pending for d in fd.dependency):
                pool.Add(fd)
                del pending[name]
    service = pool.FindServiceByName("shoal.admin.v1.Admin")
    print("Admin methods:", " ".join(m.name for m in service.methods))
    method = service.FindMethodByName("ListNodes")
    factory = message_factory.MessageFactory(pool)
    In, Out = factory.GetPrototype(method.input_type), factory.GetPrototype(method.output_type)
    list_nodes = channel.unary_unary("/shoal.admin.v1.Admin/ListNodes",
                                     request_serializer=lambda m: m.SerializeToString(),
                                     response_deserializer=Out.FromString)
    nodes = list_nodes(In(), metadata=metadata, timeout=10).nodes
    for n in nodes:
        print("node", n.name, n.admin_address, Out.DESCRIPTOR.fields_by_name["nodes"]
              .message_type.fields_by_name["state"].enum_type.values_by_number[n.state].name)
    if args.expect_nodes and len(nodes) != args.expect_nodes:
        sys.exit("expected %d nodes, got %d" % (args.expect_nodes, len(nodes)))

    # The standard health service (its messages are tiny: an empty request,
    # and field 1 = 1 for SERVING).
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    health = check(b"", timeout=10)
    if health != b"\x08\x01":
        sys.exit("health check did not answer SERVING: %r" % health)
    print("health: SERVING")

    # Without the token the same call is refused.
    try:
        list_nodes(In(), timeout=10)
        sys.exit("ListNodes without a token was not refused")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.UNAUTHENTICATED:
            sys.exit("ListNodes without a token: %s, not UNAUTHENTICATED" % e.code())
        print("without token:", e.code().name)
    print("ok")


if __name__ == "__main__":
    main()
