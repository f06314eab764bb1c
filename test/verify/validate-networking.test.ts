import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/verify/types.js";
import { validateIstioResources } from "../../src/verify/validate-istio.js";
import {
  validateDestinationRule,
  validateGateway,
  validateServiceEntry,
  validateSidecar,
  validateVirtualService,
  validateWorkloadEntry,
} from "../../src/verify/validate-networking.js";

/** A resource as parse-scenario builds it. */
function resource(apiVersion: string, kind: string, name: string, namespace: string, spec: Record<string, any>, metadata: Record<string, any> = {}): Resource {
  return { apiVersion, kind, name, namespace, metadata: { name, namespace, ...metadata }, spec, status: {}, raw: {}, file: "mesh/x.yaml", line: 1, text: "" };
}

type Check = (r: Resource, report: (r: Resource, path: string, refused: any) => void) => void;

/** The [field path, reason] of every refusal of the resource. */
function refusals(check: Check, r: Resource): [string, string][] {
  const out: [string, string][] = [];
  check(r, (_r, path, refused) => out.push([path, refused.reason]));
  return out;
}

/** A case: a name, an edit of the valid base spec, and the refusals expected ([] when Istio accepts it). */
type Case = [string, (spec: any, meta: any) => void, [string, string][]];

/** Runs each case on a fresh copy of the base. */
function table(kind: string, check: Check, base: () => Record<string, any>, cases: Case[], name = "r", namespace = "vault"): void {
  describe(kind, () => {
    it("accepts the valid base", () => {
      expect(refusals(check, resource("networking.istio.io/v1", kind, name, namespace, base()))).toEqual([]);
    });
    it.each(cases)("%s", (_n, edit, expected) => {
      const spec = base();
      const meta: Record<string, any> = { name };
      edit(spec, meta);
      expect(refusals(check, resource("networking.istio.io/v1", kind, meta.name, namespace, spec, meta))).toEqual(expected);
    });
  });
}

table(
  "Gateway",
  validateGateway,
  () => ({
    selector: { istio: "eastwestgateway" },
    servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["postgres.db.svc.cluster.local"] }],
  }),
  [
    [
      "an SNI as host",
      (s) => (s.servers[0].hosts = ["outbound_.5432_._.postgres.db.svc.cluster.local"]),
      [["spec.servers[0].hosts[0]", 'domain name "outbound_.5432_._.postgres.db.svc.cluster.local" invalid (label "outbound_" invalid)']],
    ],
    ["a short name", (s) => (s.servers[0].hosts = ["postgres"]), [["spec.servers[0].hosts[0]", "short names (non FQDN) are not allowed"]]],
    [
      "a partial wildcard",
      (s) => (s.servers[0].hosts = ["postgres.*.svc.cluster.local"]),
      [
        ["spec.servers[0].hosts[0]", 'domain name "*.svc.cluster.local" invalid (label "*" invalid)'],
        ["spec.servers[0].hosts[0]", 'partial wildcard "postgres.*.svc.cluster.local" not allowed'],
      ],
    ],
    [
      "an empty namespace",
      (s) => (s.servers[0].hosts = ["/postgres.db.svc.cluster.local"]),
      [
        ["spec.servers[0].hosts[0]", "config namespace and dnsName in host entry cannot be empty"],
        ["spec.servers[0].hosts[0]", 'invalid namespace value "" in gateway'],
      ],
    ],
    ["no hosts", (s) => (s.servers[0].hosts = []), [["spec.servers[0].hosts", "server config must contain at least one host"]]],
    ["no servers", (s) => (s.servers = []), [["spec.servers", "gateway must have at least one server"]]],
    ["a name with dots", (_s, m) => (m.name = "meshfed.eastwest"), [["metadata.name", 'invalid gateway name: "meshfed.eastwest"']]],
    ["port 0", (s) => (s.servers[0].port.number = 0), [["spec.servers[0].port", "port number 0 must be in the range 1..65535"]]],
    [
      "an unknown protocol",
      (s) => (s.servers[0].port.protocol = "FOO"),
      [["spec.servers[0].port", 'invalid protocol "FOO", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP']],
    ],
    ["no port name", (s) => delete s.servers[0].port.name, [["spec.servers[0].port", 'port name must be set: number:15443 protocol:"TLS"']]],
    ["a targetPort", (s) => (s.servers[0].port.targetPort = 15443), [["spec.servers[0].port", "targetPort has no impact on Gateways"]]],
    ["a bind that is no IP", (s) => (s.servers[0].bind = "not-an-ip"), [["spec.servers[0].bind", "not-an-ip is not a valid IP"]]],
    ["TLS without tls", (s) => delete s.servers[0].tls, [["spec.servers[0].tls", "server must have TLS settings for HTTPS/TLS protocols"]]],
    ["tls on TCP", (s) => (s.servers[0].port.protocol = "TCP"), [["spec.servers[0].tls", "server cannot have TLS settings for non HTTPS/TLS ports"]]],
    [
      "ISTIO_MUTUAL on plain HTTP",
      (s) => {
        s.servers[0].port = { number: 80, name: "http", protocol: "HTTP" };
        s.servers[0].tls = { mode: "ISTIO_MUTUAL" };
      },
      [["spec.servers[0].tls", "server cannot have TLS settings for plain text HTTP ports"]],
    ],
    [
      "ISTIO_MUTUAL with a credentialName",
      (s) => (s.servers[0].tls = { mode: "ISTIO_MUTUAL", credentialName: "x" }),
      [["spec.servers[0].tls", "ISTIO_MUTUAL TLS cannot have associated credentialName"]],
    ],
    [
      "SIMPLE without certificate",
      (s) => (s.servers[0].tls = { mode: "SIMPLE" }),
      [
        ["spec.servers[0].tls", "SIMPLE TLS requires a server certificate"],
        ["spec.servers[0].tls", "SIMPLE TLS requires a private key"],
      ],
    ],
    [
      "MUTUAL files without CA bundle",
      (s) => (s.servers[0].tls = { mode: "MUTUAL", serverCertificate: "/a", privateKey: "/b" }),
      [["spec.servers[0].tls", "MUTUAL TLS requires a client CA bundle"]],
    ],
    [
      "two certificate sources",
      (s) => (s.servers[0].tls = { mode: "SIMPLE", credentialName: "x", serverCertificate: "/a", privateKey: "/b" }),
      [["spec.servers[0].tls", "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified"]],
    ],
    [
      "duplicate port names",
      (s) => s.servers.push({ port: { number: 15444, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["x.db.svc.cluster.local"] }),
      [["spec.servers[1].port.name", "port names in servers must be unique: duplicate name tls"]],
    ],
    [
      "the TLS mode as a number (ISTIO_MUTUAL)",
      (s) => (s.servers[0].tls = { mode: 4, credentialName: "x" }),
      [["spec.servers[0].tls", "ISTIO_MUTUAL TLS cannot have associated credentialName"]],
    ],
    // Valid edits.
    ["host *", (s) => (s.servers[0].hosts = ["*"]), []],
    ["host db/*", (s) => (s.servers[0].hosts = ["db/*"]), []],
    ["host ./FQDN", (s) => (s.servers[0].hosts = ["./postgres.db.svc.cluster.local"]), []],
    ["host an IP address", (s) => (s.servers[0].hosts = ["10.0.0.1"]), []],
    ["bind 0.0.0.0", (s) => (s.servers[0].bind = "0.0.0.0"), []],
    ["SIMPLE with credentialName", (s) => (s.servers[0].tls = { mode: "SIMPLE", credentialName: "x" }), []],
    ["AUTO_PASSTHROUGH with an ignored credentialName (a warning)", (s) => (s.servers[0].tls = { mode: "AUTO_PASSTHROUGH", credentialName: "x" }), []],
    ["protocol in lower case", (s) => (s.servers[0].port.protocol = "tls"), []],
    ["plain HTTP with passthrough tls", (s) => (s.servers[0].port = { number: 80, name: "http", protocol: "HTTP" }), []],
    [
      "fields of the wrong type do not crash",
      (s) => (s.servers[0] = { port: "x", hosts: "y", tls: 5 }),
      [
        ["spec.servers[0].hosts", "server config must contain at least one host"],
        ["spec.servers[0].port", "port is required"],
      ],
    ],
  ],
  "meshfed-eastwest",
  "istio-system",
);

table(
  "ServiceEntry",
  validateServiceEntry,
  () => ({
    hosts: ["postgres.db.production.mesh"],
    addresses: ["240.241.2.10"],
    ports: [{ number: 5432, name: "tcp-5432", protocol: "TCP" }],
    location: "MESH_INTERNAL",
    resolution: "STATIC",
    endpoints: [{ address: "10.20.0.10", ports: { "tcp-5432": 15443 } }],
    exportTo: ["."],
  }),
  [
    ["no hosts", (s) => (s.hosts = []), [["spec.hosts", "service entry must have at least one host"]]],
    ["host *", (s) => (s.hosts = ["*"]), [["spec.hosts[0]", "invalid host *"]]],
    ["a host with _", (s) => (s.hosts = ["bad_host.example"]), [["spec.hosts[0]", 'domain name "bad_host.example" invalid (label "bad_host" invalid)']]],
    ["an address that is no IP", (s) => (s.addresses = ["999.1.1.1"]), [["spec.addresses[0]", "999.1.1.1 is not a valid IP"]]],
    ["a bad CIDR", (s) => (s.addresses = ["10.0.0.0/33"]), [["spec.addresses[0]", "10.0.0.0/33 is not a valid CIDR block"]]],
    [
      "a CIDR with resolution DNS",
      (s) => {
        s.resolution = "DNS";
        s.addresses = ["240.241.2.0/24"];
      },
      [["spec.addresses", "CIDR addresses are allowed only for NONE/STATIC resolution types"]],
    ],
    [
      "a port without name",
      (s) => delete s.ports[0].name,
      [
        ["spec.ports[0].name", "invalid port name: "],
        ["spec.endpoints[0].ports.tcp-5432", "endpoint port 15443 is not defined by the service entry"],
      ],
    ],
    [
      "a port number twice",
      (s) => s.ports.push({ number: 5432, name: "tcp-other", protocol: "TCP" }),
      [["spec.ports[1].number", "service entry port 5432 already defined"]],
    ],
    [
      "a port name twice",
      (s) => s.ports.push({ number: 5433, name: "tcp-5432", protocol: "TCP" }),
      [["spec.ports[1].name", 'service entry port name "tcp-5432" already defined']],
    ],
    ["an unknown protocol", (s) => (s.ports[0].protocol = "FOO"), [["spec.ports[0].protocol", "unsupported protocol: FOO"]]],
    ["port 0", (s) => (s.ports[0].number = 0), [["spec.ports[0].number", "port number 0 must be in the range 1..65535"]]],
    ["targetPort 70000", (s) => (s.ports[0].targetPort = 70000), [["spec.ports[0].targetPort", "port number 70000 must be in the range 1..65535"]]],
    [
      "a host name as STATIC endpoint",
      (s) => (s.endpoints[0].address = "gw.example.com"),
      [["spec.endpoints[0].address", 'endpoint address "gw.example.com" is not a valid IP address']],
    ],
    [
      "an endpoint port 0",
      (s) => (s.endpoints[0].ports = { "tcp-5432": 0 }),
      [["spec.endpoints[0].ports.tcp-5432", "port number 0 must be in the range 1..65535"]],
    ],
    [
      "an endpoint port keyed by an unknown name",
      (s) => (s.endpoints[0].ports = { "tcp-other": 15443 }),
      [["spec.endpoints[0].ports.tcp-other", "endpoint port 15443 is not defined by the service entry"]],
    ],
    ["endpoint labels", (s) => (s.endpoints[0].labels = { "bad key!": "x" }), [["spec.endpoints[0].labels", 'invalid tag key: "bad key!"']]],
    ["resolution NONE with endpoints", (s) => delete s.resolution, [["spec.endpoints", "no endpoints should be provided for resolution type none"]]],
    [
      "workloadSelector and endpoints",
      (s) => (s.workloadSelector = { labels: { app: "x" } }),
      [["spec.workloadSelector", "only one of WorkloadSelector or Endpoints is allowed in Service Entry"]],
    ],
    [
      "a wildcard selector ends the checks",
      (s) => (s.workloadSelector = { labels: { app: "*" } }),
      [["spec.workloadSelector", 'wildcard is not supported in selector: "app=*"']],
    ],
    [
      "DNS wildcard without endpoints",
      (s) => {
        s.resolution = "DNS";
        s.hosts = ["*.production.mesh"];
        delete s.endpoints;
        delete s.addresses;
      },
      [
        [
          "spec.hosts[0]",
          'hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode DNS, domain name "*.production.mesh" invalid (label "*" invalid)',
        ],
      ],
    ],
    [
      "DNS_ROUND_ROBIN with two endpoints",
      (s) => {
        s.resolution = "DNS_ROUND_ROBIN";
        s.endpoints.push({ address: "10.20.0.11" });
      },
      [["spec.endpoints", "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN"]],
    ],
    ["two hosts on a TCP port", (s) => s.hosts.push("pg.db.production.mesh"), [["spec.hosts", "multiple hosts provided with non-HTTP, non-TLS ports"]]],
    ["exportTo the namespace twice", (s) => (s.exportTo = [".", "vault"]), [["spec.exportTo", "duplicate entries in exportTo for entry vault"]]],
    ["exportTo . and *", (s) => (s.exportTo = [".", "*"]), [["spec.exportTo", "cannot have both public (*) and non-public exportTo values for a resource"]]],
    [
      "exportTo . and its own namespace",
      (s) => (s.exportTo = ["vault", "."]),
      [["spec.exportTo", "duplicate entries in exportTo: . and current namespace vault"]],
    ],
    ["exportTo a bad namespace", (s) => (s.exportTo = ["Bad_NS"]), [["spec.exportTo", "only .,*, or a valid DNS 1123 label is allowed as exportTo entry"]]],
    // Valid edits.
    ["exportTo ~", (s) => (s.exportTo = ["~"]), []],
    ["a CIDR with STATIC", (s) => (s.addresses = ["240.241.2.0/24"]), []],
    ["an IPv6 address", (s) => (s.addresses = ["2001:db8::10"]), []],
    ["a wildcard host", (s) => (s.hosts = ["*.db.production.mesh"]), []],
    ["protocol in lower case", (s) => (s.ports[0].protocol = "tcp"), []],
    [
      "DNS with a host name endpoint",
      (s) => {
        s.resolution = "DNS";
        s.endpoints[0].address = "gw.production.example.com";
      },
      [],
    ],
  ],
);

table(
  "DestinationRule",
  validateDestinationRule,
  () => ({
    host: "postgres.db.production.mesh",
    exportTo: ["."],
    trafficPolicy: { portLevelSettings: [{ port: { number: 5432 }, tls: { mode: "ISTIO_MUTUAL", sni: "outbound_.5432_._.postgres.db.svc.cluster.local" } }] },
  }),
  [
    ["an empty host", (s) => (s.host = ""), [["spec.host", "empty domain name not allowed"]]],
    ["a host with _", (s) => (s.host = "bad_host.example"), [["spec.host", 'domain name "bad_host.example" invalid (label "bad_host" invalid)']]],
    ["an empty trafficPolicy", (s) => (s.trafficPolicy = {}), [["spec.trafficPolicy", "traffic policy must have at least one field"]]],
    [
      "a port level without port",
      (s) => delete s.trafficPolicy.portLevelSettings[0].port,
      [["spec.trafficPolicy.portLevelSettings[0].port", "portTrafficPolicy must have valid port"]],
    ],
    [
      "a port level with only a port",
      (s) => delete s.trafficPolicy.portLevelSettings[0].tls,
      [["spec.trafficPolicy.portLevelSettings[0]", "port traffic policy must have at least one field"]],
    ],
    [
      "MUTUAL without certificates",
      (s) => (s.trafficPolicy.portLevelSettings[0].tls = { mode: "MUTUAL" }),
      [["spec.trafficPolicy.portLevelSettings[0].tls", "client certificate required for mutual tls; private key required for mutual tls"]],
    ],
    [
      "SIMPLE with credentialName and CA",
      (s) => (s.trafficPolicy.tls = { mode: "SIMPLE", credentialName: "x", caCertificates: "/c" }),
      [["spec.trafficPolicy.tls", "cannot specify client certificates or CA certificate or CA CRL If credentialName is set"]],
    ],
    ["a subset without name", (s) => (s.subsets = [{ labels: { app: "x" } }]), [["spec.subsets[0].name", "subset name cannot be empty"]]],
    ["a subset name with _", (s) => (s.subsets = [{ name: "v_1" }]), [["spec.subsets[0].name", "subset name is invalid: v_1"]]],
    ["a subset name twice", (s) => (s.subsets = [{ name: "a" }, { name: "a" }]), [["spec.subsets[1].name", "duplicate subset names: a"]]],
    ["subset labels", (s) => (s.subsets = [{ name: "a", labels: { app: "bad value" } }]), [["spec.subsets[0].labels", 'invalid tag value: "bad value"']]],
    ["exportTo ~", (s) => (s.exportTo = ["~bad"]), [["spec.exportTo", "only .,*, or a valid DNS 1123 label is allowed as exportTo entry"]]],
    [
      "a workload selector exported beyond its namespace",
      (s) => {
        s.workloadSelector = { matchLabels: { app: "vault" } };
        s.exportTo = ["*"];
      },
      [["spec.exportTo", "destination rule with workload selector cannot have exportTo beyond current namespace"]],
    ],
    [
      "an empty connectionPool",
      (s) => (s.trafficPolicy.connectionPool = {}),
      [["spec.trafficPolicy.connectionPool", "connection pool must have at least one field"]],
    ],
    [
      "a negative maxConnections",
      (s) => (s.trafficPolicy.connectionPool = { tcp: { maxConnections: -1 } }),
      [["spec.trafficPolicy.connectionPool", "max connections must be non-negative"]],
    ],
    [
      "a connect timeout finer than a millisecond",
      (s) => (s.trafficPolicy.connectionPool = { tcp: { connectTimeout: "1.0005s" } }),
      [["spec.trafficPolicy.connectionPool", "only durations to ms precision are supported"]],
    ],
    [
      "a connect timeout of 500us (Go duration syntax)",
      (s) => (s.trafficPolicy.connectionPool = { tcp: { connectTimeout: "500us" } }),
      [["spec.trafficPolicy.connectionPool", "duration must be greater than 1ms"]],
    ],
    [
      "a connect timeout of 1.5ms",
      (s) => (s.trafficPolicy.connectionPool = { tcp: { connectTimeout: "1.5ms" } }),
      [["spec.trafficPolicy.connectionPool", "only durations to ms precision are supported"]],
    ],
    [
      "an outlier interval under a millisecond",
      (s) => (s.trafficPolicy.outlierDetection = { interval: "0.0005s" }),
      [["spec.trafficPolicy.outlierDetection", "duration must be greater than 1ms"]],
    ],
    [
      "maxEjectionPercent 101",
      (s) => (s.trafficPolicy.outlierDetection = { maxEjectionPercent: 101 }),
      [["spec.trafficPolicy.outlierDetection", "percentage 101 is not in range 0..100"]],
    ],
    [
      "a maglev table size that is no prime",
      (s) => (s.trafficPolicy.loadBalancer = { consistentHash: { maglev: { tableSize: 4 } } }),
      [["spec.trafficPolicy.loadBalancer", "tableSize must be a prime number for maglev"]],
    ],
    [
      "a tunnel to a bad host and port 0",
      (s) => (s.trafficPolicy.tunnel = { protocol: "CONNECT", targetHost: "bad_host", targetPort: 0 }),
      [
        [
          "spec.trafficPolicy.tunnel",
          'tunnel target host must be valid FQDN or IP address: domain name "bad_host" invalid (label "bad_host" invalid); bad_host is not a valid IP',
        ],
        ["spec.trafficPolicy.tunnel", "tunnel target port is invalid: port number 0 must be in the range 1..65535"],
      ],
    ],
    [
      "locality weights that do not add up to 100",
      (s) => (s.trafficPolicy.loadBalancer = { localityLbSetting: { distribute: [{ from: "us-east/*", to: { "us-east/*": 60, "us-west/*": 30 } }] } }),
      [["spec.trafficPolicy.loadBalancer", "total locality weight 90 != 100"]],
    ],
    [
      "a failover to the same region",
      (s) => (s.trafficPolicy.loadBalancer = { localityLbSetting: { failover: [{ from: "us-east", to: "us-east" }] } }),
      [["spec.trafficPolicy.loadBalancer", "locality lb failover settings must specify different regions"]],
    ],
    [
      "overlapping localities",
      (s) =>
        (s.trafficPolicy.loadBalancer = {
          localityLbSetting: {
            distribute: [
              { from: "us-east/*", to: { "us-east/a": 100 } },
              { from: "us-east/b", to: { "us-east/a": 100 } },
            ],
          },
        }),
      [["spec.trafficPolicy.loadBalancer", "locality us-east/b overlap with previous specified ones"]],
    ],
    // Valid edits.
    [
      "a locality distribution",
      (s) => (s.trafficPolicy.loadBalancer = { localityLbSetting: { distribute: [{ from: "us-east/*", to: { "us-east/*": 80, "us-west/*": 20 } }] } }),
      [],
    ],
    ["a short host", (s) => (s.host = "postgres"), []],
    ["a wildcard host", (s) => (s.host = "*.production.mesh"), []],
    ["SIMPLE without certificates", (s) => (s.trafficPolicy.portLevelSettings[0].tls = { mode: "SIMPLE" }), []],
    ["a subset name in upper case", (s) => (s.subsets = [{ name: "V1" }]), []],
    ["a workload selector exported to its namespace", (s) => (s.workloadSelector = { matchLabels: { app: "vault" } }), []],
    ["an empty selector (a warning)", (s) => (s.workloadSelector = { matchLabels: {} }), []],
    ["a connect timeout of 1h30m", (s) => (s.trafficPolicy.connectionPool = { tcp: { connectTimeout: "1h30m" } }), []],
    ["a connect timeout of 1ms", (s) => (s.trafficPolicy.connectionPool = { tcp: { connectTimeout: "1ms" } }), []],
    ["a TCP idle timeout of 0s", (s) => (s.trafficPolicy.connectionPool = { tcp: { idleTimeout: "0s" } }), []],
  ],
);

table(
  "VirtualService",
  validateVirtualService,
  () => ({
    hosts: ["postgres.db.production.mesh"],
    exportTo: ["."],
    tcp: [{ route: [{ destination: { host: "postgres.db.production.mesh", port: { number: 5432 } } }] }],
  }),
  [
    ["no route", (s) => delete s.tcp, [["spec", "http, tcp or tls must be provided in virtual service"]]],
    [
      "host * bound to the mesh",
      (s) => (s.hosts = ["*"]),
      [["spec.hosts[0]", "wildcard host * is not allowed for virtual services bound to the mesh gateway"]],
    ],
    [
      "two hosts that match",
      (s) => s.hosts.push("*.production.mesh"),
      [["spec.hosts", "duplicate hosts in virtual service: postgres.db.production.mesh & *.production.mesh"]],
    ],
    ["a bad gateway name", (s) => (s.gateways = ["bad/Gw_x"]), [["spec.gateways", 'invalid value for gateway name: "Gw_x"']]],
    ["a tcp route without route", (s) => (s.tcp = [{ match: [{ port: 5432 }] }]), [["spec.tcp[0].route", "TCP route is required"]]],
    ["a destination host *", (s) => (s.tcp[0].route[0].destination.host = "*"), [["spec.tcp[0].route", "invalid destination host *"]]],
    ["a destination port 0", (s) => (s.tcp[0].route[0].destination.port.number = 0), [["spec.tcp[0].route", "port number 0 must be in the range 1..65535"]]],
    ["a negative weight", (s) => (s.tcp[0].route[0].weight = -1), [["spec.tcp[0].route", "weight -1 < 0"]]],
    [
      "two weights of 0",
      (s) => (s.tcp[0].route = [{ destination: { host: "a.b.c" } }, { destination: { host: "a.b.d" } }]),
      [["spec.tcp[0].route", "total destination weight = 0"]],
    ],
    ["a match port 70000", (s) => (s.tcp[0].match = [{ port: 70000 }]), [["spec.tcp[0].match[0]", "port number 70000 must be in the range 1..65535"]]],
    [
      "an SNI host outside the hosts",
      (s) => (s.tls = [{ match: [{ sniHosts: ["other.example.com"] }], route: [{ destination: { host: "postgres.db.production.mesh" } }] }]),
      [
        [
          "spec.tls[0].match[0].sniHosts[0]",
          'SNI host "other.example.com" is not a compatible subset of any of the virtual service hosts: [postgres.db.production.mesh]',
        ],
      ],
    ],
    [
      "a tls route without match",
      (s) => (s.tls = [{ route: [{ destination: { host: "postgres.db.production.mesh" } }] }]),
      [["spec.tls[0].match", "TLS route must have at least one match condition"]],
    ],
    ["an http route without route", (s) => (s.http = [{ match: [{ port: 5432 }] }]), [["spec.http[0]", "HTTP route, redirect or direct_response is required"]]],
    [
      "an http timeout under a millisecond",
      (s) => (s.http = [{ route: [{ destination: { host: "postgres.db.production.mesh" } }], timeout: "0.0005s" }]),
      [["spec.http[0]", "duration must be greater than 1ms"]],
    ],
    ["a delegate with a tcp route", (s) => delete s.hosts, [["spec.tcp", "delegate virtual service must have no tcp route specified"]]],
    [
      "exportTo . and its own namespace",
      (s) => (s.exportTo = ["vault", "."]),
      [["spec.exportTo", "duplicate entries in exportTo: . and current namespace vault"]],
    ],
    [
      "an http header set on :path",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], headers: { request: { set: { ":path": "/x" } } } }]),
      [["spec.http[0]", 'invalid header ":path": header cannot have ":" prefix']],
    ],
    [
      "a response header value with an unterminated variable",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" }, headers: { response: { add: { "x-a": "%START_TIME" } } } }] }]),
      [["spec.http[0]", "header value configuration: invalid header configuration. Un-terminated variable expression '%START_TIME'"]],
    ],
    [
      "an unsupported CORS method",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], corsPolicy: { allowMethods: ["FETCH"] } }]),
      [["spec.http[0]", '"FETCH" is not a supported HTTP method']],
    ],
    [
      "a fault abort status 700",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], fault: { abort: { httpStatus: 700 } } }]),
      [["spec.http[0]", "HTTP status 700 is not in range 200-599"]],
    ],
    [
      "an unknown retryOn policy",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], retries: { attempts: 2, retryOn: "5xx,sometimes" } }]),
      [["spec.http[0]", '"sometimes" is not a valid retryOn policy']],
    ],
    [
      "a redirect with a 2xx code",
      (s) => (s.http = [{ redirect: { uri: "/x", redirectCode: 200 } }]),
      [["spec.http[0]", "200 is not a valid redirect code, must be 3xx"]],
    ],
    [
      "a rewrite of nothing",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], rewrite: {} }]),
      [["spec.http[0]", "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified"]],
    ],
    [
      "an empty header prefix match",
      (s) => (s.http = [{ match: [{ headers: { "x-a": { prefix: "" } } }], route: [{ destination: { host: "a.b.c" } }] }]),
      [["spec.http[0]", '"headers": prefix string match should not be empty']],
    ],
    [
      "JWT claim routing off a gateway",
      (s) => (s.http = [{ match: [{ headers: { "@request.auth.claims.group": { exact: "a" } } }], route: [{ destination: { host: "a.b.c" } }] }]),
      [["spec.http[0].match[0]", "JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways: []"]],
    ],
    // Valid edits.
    ["an empty uri prefix", (s) => (s.http = [{ match: [{ uri: { prefix: "" } }], route: [{ destination: { host: "a.b.c" } }] }]), []],
    [
      "retryOn with a status code",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], retries: { attempts: 2, retryOn: "503,connect-failure" } }]),
      [],
    ],
    [
      "a header value with an escaped % and a variable",
      (s) => (s.http = [{ route: [{ destination: { host: "a.b.c" } }], headers: { request: { set: { "x-a": "100%% %HOSTNAME%" } } } }]),
      [],
    ],
    ["a short host", (s) => (s.hosts = ["postgres"]), []],
    ["gateways [mesh]", (s) => (s.gateways = ["mesh"]), []],
    [
      "an SNI host among the hosts",
      (s) => (s.tls = [{ match: [{ sniHosts: ["postgres.db.production.mesh"] }], route: [{ destination: { host: "postgres.db.production.mesh" } }] }]),
      [],
    ],
    [
      "an outbound_ SNI host on a gateway",
      (s) => {
        s.gateways = ["istio-system/eastwest"];
        s.hosts = ["outbound_.5432_._.postgres.db.svc.cluster.local"];
        s.tls = [
          { match: [{ sniHosts: ["outbound_.5432_._.postgres.db.svc.cluster.local"] }], route: [{ destination: { host: "postgres.db.svc.cluster.local" } }] },
        ];
      },
      [],
    ],
    ["an http route", (s) => (s.http = [{ route: [{ destination: { host: "postgres.db.production.mesh" } }], timeout: "5s" }]), []],
  ],
);

table(
  "Sidecar",
  validateSidecar,
  () => ({ egress: [{ hosts: ["./*", "istio-system/*"] }] }),
  [
    ["a host without namespace", (s) => (s.egress[0].hosts = ["*"]), [["spec.egress[0].hosts[0]", "host must be of form namespace/dnsName"]]],
    ["a bad namespace", (s) => (s.egress[0].hosts = ["Bad_ns/*"]), [["spec.egress[0].hosts[0]", 'invalid namespace value "Bad_ns" in sidecar']]],
    ["an empty spec", (s) => delete s.egress, [["spec", "sidecar: empty configuration provided"]]],
    [
      "an egress listener without hosts",
      (s) => (s.egress[0].hosts = []),
      [["spec.egress[0].hosts", "sidecar: egress listener must contain at least one host"]],
    ],
    [
      "two listeners without port",
      (s) => s.egress.push({ hosts: ["./*"] }),
      [["spec.egress[0]", "sidecar: the egress listener with empty port should be the last listener in the list"]],
    ],
    [
      "a default endpoint on another address",
      (s) => (s.ingress = [{ port: { number: 8200, protocol: "HTTP", name: "http" }, defaultEndpoint: "1.2.3.4:8200" }]),
      [
        [
          "spec.ingress[0].defaultEndpoint",
          "sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset",
        ],
      ],
    ],
    [
      "a wildcard selector",
      (s) => (s.workloadSelector = { labels: { app: "*" } }),
      [["spec.workloadSelector", 'wildcard is not supported in selector: "app=*"']],
    ],
    [
      "an egress proxy without ALLOW_ANY",
      (s) => (s.outboundTrafficPolicy = { mode: "REGISTRY_ONLY", egressProxy: { host: "a.b.c", port: { number: 80 } } }),
      [["spec.outboundTrafficPolicy.egressProxy", "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode"]],
    ],
    // Valid edits.
    ["~/* (all namespaces but one)", (s) => (s.egress[0].hosts = ["~/*", "./*"]), []],
    ["a listener with port before the catch-all", (s) => s.egress.unshift({ port: { number: 5432, protocol: "TCP", name: "tcp" }, hosts: ["./*"] }), []],
    [
      "a default endpoint on localhost",
      (s) => (s.ingress = [{ port: { number: 8200, protocol: "HTTP", name: "http" }, defaultEndpoint: "127.0.0.1:8200" }]),
      [],
    ],
  ],
  "default",
);

table(
  "WorkloadEntry",
  validateWorkloadEntry,
  () => ({ address: "10.1.1.50", labels: { app: "vm" }, serviceAccount: "vm" }),
  [
    ["no address", (s) => (s.address = ""), [["spec.address", "address is required"]]],
    ["an address with _", (s) => (s.address = "bad_host"), [["spec.address", 'endpoint address "bad_host" is not a valid FQDN or an IP address']]],
    ["port 0", (s) => (s.ports = { http: 0 }), [["spec.ports.http", "port number 0 must be in the range 1..65535"]]],
    ["a port name with _", (s) => (s.ports = { http_x: 80 }), [["spec.ports.http_x", "invalid port name: http_x"]]],
    ["a label value with a space", (s) => (s.labels = { app: "bad value" }), [["spec.labels", 'invalid tag value: "bad value"']]],
    // Valid edits.
    ["a host name address", (s) => (s.address = "vm.example.com"), []],
    [
      "no address but a network (a warning)",
      (s) => {
        s.address = "";
        s.network = "net-a";
      },
      [],
    ],
  ],
  "vm",
);

describe("validateIstioResources", () => {
  it("reports each refusal as MF3104 with Istio's reason, and leaves other groups alone", () => {
    const gw = resource("networking.istio.io/v1", "Gateway", "gw", "istio-system", {
      servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["postgres"] }],
    });
    const foreign = resource("gateway.networking.k8s.io/v1", "Gateway", "x.y", "default", {});
    const ds = validateIstioResources([gw, foreign]);
    expect(ds.map((d) => [d.code, d.path])).toEqual([["MF3104", "spec.servers[0].hosts[0]"]]);
    expect(ds[0]!.message).toBe("mesh/x.yaml:1: Gateway istio-system/gw: spec.servers[0].hosts[0]: short names (non FQDN) are not allowed");
  });
});
