package oracle

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacpb "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	matcherpb "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// Conn is what Envoy's RBAC filter knows about a TCP connection at the server sidecar.
type Conn struct {
	// Principal is the URI SAN of the peer certificate; "" when the peer presented none.
	Principal string
	SourceIP  netip.Addr
	DestIP    netip.Addr
	DestPort  uint32
	// SNI is the requested server name of the TLS connection ("" when none).
	SNI string
}

// NamedRBAC is one RBAC filter of a filter chain, in chain order.
type NamedRBAC struct {
	Filter string // e.g. envoy.filters.network.rbac
	Rules  *rbacpb.RBAC
}

// RBACDecision says whether the chain's RBAC filters let the connection through and which rule decided.
type RBACDecision struct {
	Allowed bool
	// Policy is the Envoy policy name that decided (Istio writes ns[<ns>]-policy[<name>]-rule[<i>]);
	// "" when no policy matched.
	Policy string
	Action string // ALLOW or DENY of the deciding filter, "" when no filter has rules
	Filter string
}

// UnsupportedError means the generated RBAC uses a matcher the evaluator cannot decide for a TCP connection.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string { return "RBAC evaluator: unsupported " + e.What }

// EvaluateRBACChain applies Envoy's semantics: filters run in order and the first one that denies
// ends the connection. Istio emits its DENY filter before its ALLOW filter, so DENY wins.
// Shadow rules never affect the decision.
func EvaluateRBACChain(filters []NamedRBAC, c Conn) (RBACDecision, error) {
	last := RBACDecision{Allowed: true}
	for _, f := range filters {
		d, err := evaluateRBAC(f.Rules, c)
		if err != nil {
			return RBACDecision{}, fmt.Errorf("%s: %w", f.Filter, err)
		}
		d.Filter = f.Filter
		if !d.Allowed {
			return d, nil
		}
		if d.Action != "" {
			last = d
		}
	}
	return last, nil
}

func evaluateRBAC(r *rbacpb.RBAC, c Conn) (RBACDecision, error) {
	if r == nil {
		return RBACDecision{Allowed: true}, nil // only shadow rules: enforce nothing
	}
	names := make([]string, 0, len(r.GetPolicies()))
	for n := range r.GetPolicies() {
		names = append(names, n)
	}
	sort.Strings(names)
	matched := ""
	for _, n := range names {
		ok, err := policyMatches(r.GetPolicies()[n], c)
		if err != nil {
			return RBACDecision{}, fmt.Errorf("policy %s: %w", n, err)
		}
		if ok {
			matched = n
			break
		}
	}
	action := r.GetAction()
	switch action {
	case rbacpb.RBAC_ALLOW:
		if matched == "" {
			// Denied because no ALLOW policy matched: name them all.
			return RBACDecision{Allowed: false, Policy: "none of [" + strings.Join(names, ", ") + "] matched", Action: "ALLOW"}, nil
		}
		return RBACDecision{Allowed: true, Policy: matched, Action: "ALLOW"}, nil
	case rbacpb.RBAC_DENY:
		return RBACDecision{Allowed: matched == "", Policy: matched, Action: "DENY"}, nil
	case rbacpb.RBAC_LOG:
		return RBACDecision{Allowed: true}, nil
	}
	return RBACDecision{}, &UnsupportedError{What: "RBAC action " + action.String()}
}

func policyMatches(p *rbacpb.Policy, c Conn) (bool, error) {
	if p.GetCondition() != nil || p.GetCheckedCondition() != nil {
		return false, &UnsupportedError{What: "CEL condition"}
	}
	perm, err := anyMatch(p.GetPermissions(), c, permissionMatches)
	if err != nil || !perm {
		return false, err
	}
	return anyMatch(p.GetPrincipals(), c, principalMatches)
}

// anyMatch is Envoy's or-semantics over matchers: true at the first match, an error stops it.
func anyMatch[T any](xs []T, c Conn, match func(T, Conn) (bool, error)) (bool, error) {
	for _, x := range xs {
		ok, err := match(x, c)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// allMatch is Envoy's and-semantics over matchers: false at the first miss, an error stops it.
func allMatch[T any](xs []T, c Conn, match func(T, Conn) (bool, error)) (bool, error) {
	for _, x := range xs {
		ok, err := match(x, c)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func permissionMatches(p *rbacpb.Permission, c Conn) (bool, error) {
	switch r := p.GetRule().(type) {
	case *rbacpb.Permission_Any:
		return r.Any, nil
	case *rbacpb.Permission_AndRules:
		return allMatch(r.AndRules.GetRules(), c, permissionMatches)
	case *rbacpb.Permission_OrRules:
		return anyMatch(r.OrRules.GetRules(), c, permissionMatches)
	case *rbacpb.Permission_NotRule:
		ok, err := permissionMatches(r.NotRule, c)
		return !ok, err
	case *rbacpb.Permission_DestinationPort:
		return c.DestPort == r.DestinationPort, nil
	case *rbacpb.Permission_DestinationPortRange:
		// Envoy's Int32Range is [start, end).
		return int64(c.DestPort) >= int64(r.DestinationPortRange.GetStart()) && int64(c.DestPort) < int64(r.DestinationPortRange.GetEnd()), nil
	case *rbacpb.Permission_DestinationIp:
		return cidrContains(r.DestinationIp, c.DestIP)
	case *rbacpb.Permission_RequestedServerName:
		return stringMatches(r.RequestedServerName, c.SNI, true)
	case *rbacpb.Permission_Metadata:
		// A TCP connection carries no dynamic metadata a path could find.
		return r.Metadata.GetInvert(), nil
	case *rbacpb.Permission_Header:
		return false, &UnsupportedError{What: "header permission (HTTP only; probes are TCP connections)"}
	case *rbacpb.Permission_UrlPath:
		return false, &UnsupportedError{What: "url_path permission (HTTP only; probes are TCP connections)"}
	case nil:
		return false, &UnsupportedError{What: "empty permission"}
	default:
		return false, &UnsupportedError{What: fmt.Sprintf("permission %T", r)}
	}
}

func principalMatches(p *rbacpb.Principal, c Conn) (bool, error) {
	switch r := p.GetIdentifier().(type) {
	case *rbacpb.Principal_Any:
		return r.Any, nil
	case *rbacpb.Principal_AndIds:
		return allMatch(r.AndIds.GetIds(), c, principalMatches)
	case *rbacpb.Principal_OrIds:
		return anyMatch(r.OrIds.GetIds(), c, principalMatches)
	case *rbacpb.Principal_NotId:
		ok, err := principalMatches(r.NotId, c)
		return !ok, err
	case *rbacpb.Principal_Authenticated_:
		if c.Principal == "" {
			return false, nil // no peer certificate: never authenticated
		}
		if r.Authenticated.GetPrincipalName() == nil {
			return true, nil // any authenticated peer
		}
		return stringMatches(r.Authenticated.GetPrincipalName(), c.Principal, false)
	case *rbacpb.Principal_FilterState:
		// Istio's istio_authn/peer metadata filters publish the peer identity under this key.
		if r.FilterState.GetKey() != "io.istio.peer_principal" {
			return false, &UnsupportedError{What: "filter_state key " + r.FilterState.GetKey()}
		}
		sm := r.FilterState.GetStringMatch()
		if sm == nil {
			return false, &UnsupportedError{What: "filter_state matcher without string_match"}
		}
		if c.Principal == "" {
			return false, nil
		}
		return stringMatches(sm, c.Principal, false)
	case *rbacpb.Principal_SourceIp:
		return cidrContains(r.SourceIp, c.SourceIP)
	case *rbacpb.Principal_DirectRemoteIp:
		return cidrContains(r.DirectRemoteIp, c.SourceIP)
	case *rbacpb.Principal_RemoteIp:
		return cidrContains(r.RemoteIp, c.SourceIP)
	case *rbacpb.Principal_Metadata:
		return r.Metadata.GetInvert(), nil
	case *rbacpb.Principal_Header:
		return false, &UnsupportedError{What: "header principal (HTTP only; probes are TCP connections)"}
	case *rbacpb.Principal_UrlPath:
		return false, &UnsupportedError{What: "url_path principal (HTTP only; probes are TCP connections)"}
	case nil:
		return false, &UnsupportedError{What: "empty principal"}
	default:
		return false, &UnsupportedError{What: fmt.Sprintf("principal %T", r)}
	}
}

func cidrContains(r *corepb.CidrRange, ip netip.Addr) (bool, error) {
	addr, err := netip.ParseAddr(r.GetAddressPrefix())
	if err != nil {
		return false, &UnsupportedError{What: "CIDR " + r.GetAddressPrefix()}
	}
	bits := addr.BitLen()
	if r.GetPrefixLen() != nil {
		bits = int(r.GetPrefixLen().GetValue())
	}
	pfx, err := addr.Prefix(bits)
	if err != nil {
		return false, &UnsupportedError{What: fmt.Sprintf("CIDR %s/%d", r.GetAddressPrefix(), bits)}
	}
	if !ip.IsValid() {
		return false, &UnsupportedError{What: "a rule on an address this hop does not know (" + pfx.String() + ")"}
	}
	return pfx.Contains(ip), nil
}

// stringMatches is Envoy's StringMatcher. safe_regex must match the whole value (RE2 full match).
func stringMatches(m *matcherpb.StringMatcher, v string, _ bool) (bool, error) {
	ic := m.GetIgnoreCase()
	low := func(s string) string {
		if ic {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherpb.StringMatcher_Exact:
		return low(v) == low(p.Exact), nil
	case *matcherpb.StringMatcher_Prefix:
		return strings.HasPrefix(low(v), low(p.Prefix)), nil
	case *matcherpb.StringMatcher_Suffix:
		return strings.HasSuffix(low(v), low(p.Suffix)), nil
	case *matcherpb.StringMatcher_Contains:
		return strings.Contains(low(v), low(p.Contains)), nil
	case *matcherpb.StringMatcher_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		if err != nil {
			return false, &UnsupportedError{What: "regex " + p.SafeRegex.GetRegex()}
		}
		return re.MatchString(v), nil
	default:
		return false, &UnsupportedError{What: fmt.Sprintf("string matcher %T", p)}
	}
}
