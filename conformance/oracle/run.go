package oracle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// Exit codes of the oracle command.
const (
	ExitOK        = 0
	ExitBadInput  = 3
	ExitMismatch  = 4
	ExitUndecided = 5 // Istio failed to build config, or the generated RBAC is outside the evaluator's scope
)

// RunScenario loads, evaluates and closes one scenario directory.
func RunScenario(dir string) (*Scenario, *Verdict, []string, error) {
	s, err := LoadScenario(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	w, err := BuildWorld(s)
	if err != nil {
		return s, nil, nil, err
	}
	defer w.Close()
	v, err := w.Evaluate()
	return s, v, w.Warnings(), err
}

// Mismatch is one difference between a scenario's expectations and the oracle's verdict.
type Mismatch struct {
	Probe string
	Msg   string
}

func (m Mismatch) String() string {
	if m.Probe == "" {
		return m.Msg
	}
	return "probe " + m.Probe + ": " + m.Msg
}

func ptrStr(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// Compare checks a verdict against the probe expectations and expectExposure.
func Compare(s *Scenario, v *Verdict) []Mismatch {
	var out []Mismatch
	for i, p := range s.Probes {
		got := v.Probes[i]
		hop := "last hop " + lastHop(got)
		detail := ""
		if got.Decided != "" {
			detail = "; decided by " + got.Decided
		}
		if p.Expect != "" && p.Expect != got.Verdict {
			out = append(out, Mismatch{p.Name, fmt.Sprintf("expected %s, oracle says %s (deniedAt %s, reason %s, %s%s)",
				p.Expect, got.Verdict, ptrStr(got.DeniedAt), ptrStr(got.Reason), hop, detail)})
			continue
		}
		if p.ExpectDeniedAt != nil && ptrStr(p.ExpectDeniedAt) != ptrStr(got.DeniedAt) {
			out = append(out, Mismatch{p.Name, fmt.Sprintf("expected deniedAt %s, oracle says %s (reason %s, %s%s)",
				*p.ExpectDeniedAt, ptrStr(got.DeniedAt), ptrStr(got.Reason), hop, detail)})
			continue
		}
		if p.ExpectReason != nil && ptrStr(p.ExpectReason) != ptrStr(got.Reason) {
			out = append(out, Mismatch{p.Name, fmt.Sprintf("expected reason %s, oracle says %s (deniedAt %s, %s%s)",
				*p.ExpectReason, ptrStr(got.Reason), ptrStr(got.DeniedAt), hop, detail)})
		}
	}
	if s.HasExpectExposure {
		want := append([]Exposure{}, s.ExpectExposure...)
		for i := range want {
			if want[i].Admits == nil {
				want[i].Admits = []string{}
			}
			sort.Strings(want[i].Admits)
		}
		sortExposure(want)
		if !reflect.DeepEqual(want, v.Exposure) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(v.Exposure)
			out = append(out, Mismatch{"", fmt.Sprintf("exposure differs:\n  expected %s\n  oracle   %s", w, g)})
		}
	}
	return out
}

func sortExposure(e []Exposure) {
	sort.SliceStable(e, func(i, j int) bool {
		if e[i].Mesh != e[j].Mesh {
			return e[i].Mesh < e[j].Mesh
		}
		if e[i].Host != e[j].Host {
			return e[i].Host < e[j].Host
		}
		return e[i].Port < e[j].Port
	})
}

func lastHop(pv ProbeVerdict) string {
	if len(pv.Hops) == 0 {
		return "(none)"
	}
	switch h := pv.Hops[len(pv.Hops)-1].(type) {
	case ClientHop:
		return "client(" + h.Mesh + ")"
	case GatewayHop:
		return "gateway(" + h.Mesh + ")"
	case ServerHop:
		return "server(" + h.Mesh + " " + h.Workload + ")"
	}
	return "?"
}

func exitFor(err error) int {
	var ie *InputError
	if errors.As(err, &ie) {
		return ExitBadInput
	}
	return ExitUndecided
}

// Main is the oracle command; it returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	QuietIstio()
	if len(args) >= 1 && args[0] == "--check" {
		if len(args) < 2 {
			fmt.Fprintln(stderr, "usage: oracle --check CORPUS_DIR...")
			return ExitBadInput
		}
		return Check(args[1:], stdout, stderr)
	}
	explain := false
	if len(args) > 0 && args[0] == "--explain" {
		explain, args = true, args[1:]
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: oracle [--explain] SCENARIO_DIR... | oracle --check CORPUS_DIR...")
		return ExitBadInput
	}
	// One directory: the verdict, indented. Several: one compact verdict per line (JSON Lines),
	// in argument order; the exit code is the worst of them.
	code := ExitOK
	for _, dir := range args {
		c := runOne(dir, len(args) == 1, explain, stdout, stderr)
		if c != ExitOK && (code == ExitOK || c < code) {
			code = c // bad input (3) outranks mismatch (4) outranks undecided (5)
		}
	}
	return code
}

func runOne(dir string, indent, explain bool, stdout, stderr io.Writer) int {
	s, v, warnings, err := RunScenario(dir)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "oracle: warning: "+w)
	}
	if err != nil {
		fmt.Fprintln(stderr, "oracle: "+err.Error())
		return exitFor(err)
	}
	// Verdict JSON is compared byte for byte with meshfed verify's: no HTML escaping of "->".
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	_ = enc.Encode(v)
	fmt.Fprint(stdout, buf.String())
	if explain {
		for _, p := range v.Probes {
			fmt.Fprintf(stderr, "probe %s: %s", p.Name, p.Verdict)
			if p.DeniedAt != nil {
				fmt.Fprintf(stderr, " at %s %s: %s", *p.DeniedAt, ptrStr(p.Reason), p.Decided)
			}
			fmt.Fprintln(stderr)
			for _, t := range p.Trace {
				fmt.Fprintln(stderr, "  "+t)
			}
		}
	}
	if ms := Compare(s, v); len(ms) > 0 {
		for _, m := range ms {
			fmt.Fprintf(stderr, "oracle: %s: mismatch: %s\n", dir, m.String())
		}
		return ExitMismatch
	}
	return ExitOK
}

// ScenarioDirs finds scenario directories: a root holding scenario.yaml, or its descendants that do.
func ScenarioDirs(roots []string) ([]string, error) {
	var out []string
	for _, r := range roots {
		if _, err := os.Stat(filepath.Join(r, "scenario.yaml")); err == nil {
			out = append(out, r)
			continue
		}
		err := filepath.WalkDir(r, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Name() == "scenario.yaml" {
				out = append(out, filepath.Dir(p))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// Check runs a corpus: one line per scenario and a final "oracle: N passed, M failed".
func Check(roots []string, stdout, stderr io.Writer) int {
	dirs, err := ScenarioDirs(roots)
	if err != nil {
		fmt.Fprintln(stderr, "oracle: "+err.Error())
		return ExitBadInput
	}
	passed, failed := 0, 0
	for _, d := range dirs {
		s, v, _, err := RunScenario(d)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %v\n", d, err)
			continue
		}
		ms := Compare(s, v)
		if len(ms) == 0 {
			passed++
			fmt.Fprintf(stdout, "ok   %s (%d probes)\n", d, len(v.Probes))
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL %s\n", d)
		for _, m := range ms {
			fmt.Fprintf(stdout, "     %s\n", m)
			for _, p := range v.Probes {
				if p.Name == m.Probe {
					for _, t := range p.Trace {
						fmt.Fprintf(stdout, "       %s\n", t)
					}
				}
			}
		}
	}
	fmt.Fprintf(stdout, "oracle: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return ExitMismatch
	}
	return ExitOK
}
