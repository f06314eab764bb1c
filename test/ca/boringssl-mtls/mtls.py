"""Mutual TLS through gRPC's bundled BoringSSL, the TLS library Envoy (and so every Istio sidecar)
is built on. Usage: mtls.py ROOT SERVER_CHAIN SERVER_KEY SERVER_NAME CLIENT_CHAIN CLIENT_KEY ...
One gRPC server requires and verifies client certificates against ROOT; for each client pair one
call is made, printing "OK <SPIFFE ID the server saw> <SPIFFE ID the client saw>" or
"REFUSED <status>". SERVER_NAME is the DNS SAN the client checks on the server's certificate."""

import sys
from concurrent import futures

import grpc

METHOD = "/meshfed.Probe/Who"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def spiffe_ids(auth_context):
    ids = []
    for values in auth_context.values():
        for value in values:
            if value.startswith(b"spiffe://"):
                ids.append(value.decode())
    return sorted(set(ids))


def who(request, context):
    return ",".join(spiffe_ids(context.auth_context())).encode()


def main():
    root, server_chain, server_key, server_name = sys.argv[1:5]
    clients = sys.argv[5:]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler(
        "meshfed.Probe", {"Who": grpc.unary_unary_rpc_method_handler(who)}
    )
    server.add_generic_rpc_handlers((handler,))
    credentials = grpc.ssl_server_credentials(
        [(read(server_key), read(server_chain))],
        root_certificates=read(root),
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    try:
        for chain, key in zip(clients[0::2], clients[1::2]):
            creds = grpc.ssl_channel_credentials(read(root), read(key), read(chain))
            options = [("grpc.ssl_target_name_override", server_name)]
            with grpc.secure_channel(f"127.0.0.1:{port}", creds, options=options) as channel:
                call = channel.unary_unary(METHOD)
                try:
                    seen, outcome = call.with_call(b"", timeout=10)
                    # The client's view of the server: the server answers with what it saw.
                    print("OK", seen.decode() or "-", flush=True)
                except grpc.RpcError as err:
                    print("REFUSED", err.code().name, flush=True)
    finally:
        server.stop(None)


main()
