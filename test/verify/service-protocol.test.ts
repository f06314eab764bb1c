import { describe, expect, it } from "vitest";
import { isHttpProtocol, protocolOf } from "../../src/verify/mesh-index.js";

// pkg/config/kube/conversion.go ConvertProtocol, pkg/config/protocol/instance.go Parse.
describe("verify: a Kubernetes Service port's protocol as Istio reads it", () => {
  it.each([
    ["tcp-postgres", undefined, "TCP", 5432, "TCP"],
    ["tcp-postgres", undefined, "UDP", 5432, "UDP"],
    ["tcp-x", "kubernetes.io/h2c", "TCP", 80, "HTTP2"],
    ["tcp-x", "kubernetes.io/ws", "TCP", 80, "HTTP"],
    ["http-x", "kubernetes.io/wss", "TCP", 80, "HTTPS"],
    ["tcp-x", "HTTP", "TCP", 80, "HTTP"],
    // An appProtocol Istio does not know is not replaced by the port name.
    ["http-metrics", "prometheus", "TCP", 9090, "UNSUPPORTED"],
    ["grpc-web-x", undefined, "TCP", 80, "GRPC-WEB"],
    ["GRPC-Webx", undefined, "TCP", 80, "GRPC-WEB"],
    ["http_proxy", undefined, "TCP", 80, "HTTP_PROXY"],
    ["HTTP2-x", undefined, "TCP", 80, "HTTP2"],
    ["x-http", undefined, "TCP", 80, "UNSUPPORTED"],
    ["", undefined, "TCP", 3306, "TCP"],
    ["db", undefined, "TCP", 27017, "TCP"],
    ["", undefined, "TCP", 5432, "UNSUPPORTED"],
  ] as const)("name %j appProtocol %j (%s %d) is %s", (name, appProtocol, k8s, port, expected) => {
    expect(protocolOf(name, appProtocol, k8s, port)).toBe(expected);
  });

  it("treats HTTP_PROXY as HTTP, as protocol.Instance.IsHTTP does", () => {
    expect(["HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB"].every(isHttpProtocol)).toBe(true);
    expect(["TCP", "HTTPS", "TLS", "UNSUPPORTED", "MONGO"].some(isHttpProtocol)).toBe(false);
  });
});
