package oracle

import (
	"errors"
	"net/netip"
	"testing"

	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacpb "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const vault = "spiffe://operations.nrc.internal/ns/vault/sa/vault"

func conn() Conn {
	return Conn{
		Principal: vault,
		SourceIP:  netip.MustParseAddr("10.20.0.5"),
		DestIP:    netip.MustParseAddr("10.101.0.3"),
		DestPort:  5432,
		SNI:       "outbound_.5432_._.postgres.db.svc.cluster.local",
	}
}

func exact(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Exact{Exact: s}}
}

func prefix(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Prefix{Prefix: s}}
}

func suffix(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Suffix{Suffix: s}}
}

func contains(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Contains{Contains: s}}
}

func regex(s string) *matcherpb.StringMatcher {
	return &matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_SafeRegex{SafeRegex: &matcherpb.RegexMatcher{Regex: s}}}
}

func authn(m *matcherpb.StringMatcher) *rbacpb.Principal {
	return &rbacpb.Principal{Identifier: &rbacpb.Principal_Authenticated_{Authenticated: &rbacpb.Principal_Authenticated{PrincipalName: m}}}
}

func anyPerm() *rbacpb.Permission { return &rbacpb.Permission{Rule: &rbacpb.Permission_Any{Any: true}} }

func anyPrincipal() *rbacpb.Principal {
	return &rbacpb.Principal{Identifier: &rbacpb.Principal_Any{Any: true}}
}

func port(p uint32) *rbacpb.Permission {
	return &rbacpb.Permission{Rule: &rbacpb.Permission_DestinationPort{DestinationPort: p}}
}

func cidr(ip string, bits uint32) *corepb.CidrRange {
	return &corepb.CidrRange{AddressPrefix: ip, PrefixLen: wrapperspb.UInt32(bits)}
}

func rbac(action rbacpb.RBAC_Action, pols map[string]*rbacpb.Policy) *rbacpb.RBAC {
	return &rbacpb.RBAC{Action: action, Policies: pols}
}

func pol(perm *rbacpb.Permission, pr *rbacpb.Principal) *rbacpb.Policy {
	return &rbacpb.Policy{Permissions: []*rbacpb.Permission{perm}, Principals: []*rbacpb.Principal{pr}}
}

// allowIf wraps one principal (with any permission) in an ALLOW filter, to test matchers one by one.
func allowIfPrincipal(pr *rbacpb.Principal) []NamedRBAC {
	return []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_ALLOW, map[string]*rbacpb.Policy{"p": pol(anyPerm(), pr)})}}
}

func allowIfPermission(pe *rbacpb.Permission) []NamedRBAC {
	return []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_ALLOW, map[string]*rbacpb.Policy{"p": pol(pe, anyPrincipal())})}}
}

func TestRBACMatchers(t *testing.T) {
	noPeer := conn()
	noPeer.Principal = ""
	cases := []struct {
		name    string
		filters []NamedRBAC
		conn    Conn
		allowed bool
	}{
		{"no RBAC filter allows", nil, conn(), true},
		{"shadow-only filter allows", []NamedRBAC{{Filter: "net", Rules: nil}}, conn(), true},
		{"ALLOW with no policy denies", []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_ALLOW, nil)}}, conn(), false},
		{"DENY with no policy allows", []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_DENY, nil)}}, conn(), true},
		{"LOG never denies", []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_LOG, map[string]*rbacpb.Policy{"p": pol(anyPerm(), anyPrincipal())})}}, conn(), true},

		{"exact principal", allowIfPrincipal(authn(exact(vault))), conn(), true},
		{"exact principal other", allowIfPrincipal(authn(exact(vault + "x"))), conn(), false},
		{"exact ignore_case", allowIfPrincipal(authn(&matcherpb.StringMatcher{MatchPattern: &matcherpb.StringMatcher_Exact{Exact: "SPIFFE://operations.nrc.internal/ns/vault/sa/vault"}, IgnoreCase: true})), conn(), true},
		{"prefix principal", allowIfPrincipal(authn(prefix("spiffe://operations.nrc.internal/"))), conn(), true},
		{"prefix principal other domain", allowIfPrincipal(authn(prefix("spiffe://production.nrc.internal/"))), conn(), false},
		{"suffix principal", allowIfPrincipal(authn(suffix("/sa/vault"))), conn(), true},
		{"suffix principal other", allowIfPrincipal(authn(suffix("/sa/vaul"))), conn(), false},
		{"contains principal", allowIfPrincipal(authn(contains("/ns/vault/"))), conn(), true},
		{"contains principal other", allowIfPrincipal(authn(contains("/ns/db/"))), conn(), false},
		// Istio's source.namespaces: safe_regex must match the whole principal.
		{"regex full match", allowIfPrincipal(authn(regex(".*/ns/vault/.*"))), conn(), true},
		{"regex is anchored", allowIfPrincipal(authn(regex("ns/vault"))), conn(), false},
		{"serviceAccounts regex", allowIfPrincipal(authn(regex(`spiffe://.+/ns/vault/(.+/|)sa/vault(/.+)?`))), conn(), true},
		{"authenticated without name needs a peer cert", allowIfPrincipal(authn(nil)), noPeer, false},
		{"authenticated without name", allowIfPrincipal(authn(nil)), conn(), true},
		{"principal needs a peer cert", allowIfPrincipal(authn(prefix(""))), noPeer, false},
		{"filter_state peer principal", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_FilterState{FilterState: &matcherpb.FilterStateMatcher{
			Key: "io.istio.peer_principal", Matcher: &matcherpb.FilterStateMatcher_StringMatch{StringMatch: exact(vault)}}}}), conn(), true},
		{"and_ids all", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_AndIds{AndIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{authn(prefix("spiffe://")), authn(suffix("vault"))}}}}), conn(), true},
		{"and_ids one fails", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_AndIds{AndIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{authn(prefix("spiffe://")), authn(suffix("db"))}}}}), conn(), false},
		{"or_ids one", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_OrIds{OrIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{authn(exact("x")), authn(exact(vault))}}}}), conn(), true},
		{"or_ids none", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_OrIds{OrIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{authn(exact("x"))}}}}), conn(), false},
		{"not_id", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_NotId{NotId: authn(exact(vault))}}), conn(), false},
		{"not_id other", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_NotId{NotId: authn(exact("x"))}}), conn(), true},
		{"direct_remote_ip in", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_DirectRemoteIp{DirectRemoteIp: cidr("10.20.0.0", 16)}}), conn(), true},
		{"direct_remote_ip out", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_DirectRemoteIp{DirectRemoteIp: cidr("10.30.0.0", 16)}}), conn(), false},
		{"remote_ip /32", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_RemoteIp{RemoteIp: cidr("10.20.0.5", 32)}}), conn(), true},
		{"source_ip", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_SourceIp{SourceIp: cidr("10.20.0.6", 32)}}), conn(), false},
		{"metadata principal absent", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_Metadata{Metadata: &matcherpb.MetadataMatcher{Filter: "istio_authn"}}}), conn(), false},
		{"metadata principal inverted", allowIfPrincipal(&rbacpb.Principal{Identifier: &rbacpb.Principal_Metadata{Metadata: &matcherpb.MetadataMatcher{Filter: "istio_authn", Invert: true}}}), conn(), true},

		{"destination_port", allowIfPermission(port(5432)), conn(), true},
		{"destination_port other", allowIfPermission(port(5433)), conn(), false},
		{"destination_port_range in", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_DestinationPortRange{DestinationPortRange: &typev3.Int32Range{Start: 5000, End: 6000}}}), conn(), true},
		{"destination_port_range end exclusive", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_DestinationPortRange{DestinationPortRange: &typev3.Int32Range{Start: 5000, End: 5432}}}), conn(), false},
		{"destination_ip", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_DestinationIp{DestinationIp: cidr("10.101.0.0", 16)}}), conn(), true},
		{"requested_server_name", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_RequestedServerName{RequestedServerName: suffix(".db.svc.cluster.local")}}), conn(), true},
		{"and_rules", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_AndRules{AndRules: &rbacpb.Permission_Set{Rules: []*rbacpb.Permission{port(5432), anyPerm()}}}}), conn(), true},
		{"and_rules one fails", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_AndRules{AndRules: &rbacpb.Permission_Set{Rules: []*rbacpb.Permission{port(5432), port(1)}}}}), conn(), false},
		{"or_rules", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_OrRules{OrRules: &rbacpb.Permission_Set{Rules: []*rbacpb.Permission{port(1), port(5432)}}}}), conn(), true},
		{"not_rule", allowIfPermission(&rbacpb.Permission{Rule: &rbacpb.Permission_NotRule{NotRule: port(5432)}}), conn(), false},
		{"permission and principal both needed", []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_ALLOW, map[string]*rbacpb.Policy{"p": pol(port(5432), authn(exact("x")))})}}, conn(), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := EvaluateRBACChain(c.filters, c.conn)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != c.allowed {
				t.Fatalf("allowed = %v, want %v (decision %+v)", d.Allowed, c.allowed, d)
			}
		})
	}
}

func TestRBACDenyBeforeAllow(t *testing.T) {
	deny := NamedRBAC{Filter: "deny", Rules: rbac(rbacpb.RBAC_DENY, map[string]*rbacpb.Policy{
		"ns[db]-policy[block-vault]-rule[0]": pol(port(5432), authn(exact(vault))),
	})}
	allow := NamedRBAC{Filter: "allow", Rules: rbac(rbacpb.RBAC_ALLOW, map[string]*rbacpb.Policy{
		"ns[db]-policy[allow-all]-rule[0]": pol(anyPerm(), anyPrincipal()),
	})}
	d, err := EvaluateRBACChain([]NamedRBAC{deny, allow}, conn())
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || d.Policy != "ns[db]-policy[block-vault]-rule[0]" || d.Action != "DENY" || d.Filter != "deny" {
		t.Fatalf("want denied by block-vault, got %+v", d)
	}
	other := conn()
	other.Principal = "spiffe://operations.nrc.internal/ns/x/sa/y"
	d, err = EvaluateRBACChain([]NamedRBAC{deny, allow}, other)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed || d.Policy != "ns[db]-policy[allow-all]-rule[0]" {
		t.Fatalf("want allowed by allow-all, got %+v", d)
	}
}

func TestRBACUnsupported(t *testing.T) {
	hdr := &rbacpb.Permission{Rule: &rbacpb.Permission_Header{}}
	_, err := EvaluateRBACChain(allowIfPermission(hdr), conn())
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("want UnsupportedError, got %v", err)
	}
	cond := []NamedRBAC{{Filter: "net", Rules: rbac(rbacpb.RBAC_ALLOW, map[string]*rbacpb.Policy{"p": {
		Permissions: []*rbacpb.Permission{anyPerm()}, Principals: []*rbacpb.Principal{anyPrincipal()}, Condition: nil, CheckedCondition: nil,
	}})}}
	if _, err := EvaluateRBACChain(cond, conn()); err != nil {
		t.Fatalf("policy without condition must evaluate: %v", err)
	}
}
