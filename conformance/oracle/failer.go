package oracle

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
)

// failer implements istio.io/istio/pkg/test.Failer outside `go test`: a failure becomes an error
// and, like testing.T, Fatal ends only the goroutine that called it (see guard).
type failer struct {
	mu       sync.Mutex
	errs     []string
	cleanups []func()
	tmpDirs  []string
}

func (f *failer) record(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, msg)
}

func (f *failer) Fail()                     { f.record("failed") }
func (f *failer) FailNow()                  { f.record("failed"); runtime.Goexit() }
func (f *failer) Fatal(args ...any)         { f.record(fmt.Sprint(args...)); runtime.Goexit() }
func (f *failer) Fatalf(s string, a ...any) { f.record(fmt.Sprintf(s, a...)); runtime.Goexit() }
func (f *failer) Log(args ...any)           {}
func (f *failer) Logf(string, ...any)       {}
func (f *failer) Helper()                   {}
func (f *failer) Skip(args ...any)          { f.record("skipped: " + fmt.Sprint(args...)); runtime.Goexit() }
func (f *failer) TempDir() string {
	d, err := os.MkdirTemp("", "meshfed-oracle-")
	if err != nil {
		f.Fatal(err)
	}
	f.mu.Lock()
	f.tmpDirs = append(f.tmpDirs, d)
	f.mu.Unlock()
	return d
}

func (f *failer) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// Close runs the cleanups in reverse order, as testing.T does.
func (f *failer) Close() {
	f.mu.Lock()
	cl := f.cleanups
	f.cleanups = nil
	dirs := f.tmpDirs
	f.mu.Unlock()
	for i := len(cl) - 1; i >= 0; i-- {
		func() {
			defer func() { _ = recover() }()
			cl[i]()
		}()
	}
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}

func (f *failer) takeErrors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.errs
	f.errs = nil
	return e
}

// guard runs fn on its own goroutine so that a Fatal (Goexit) or a panic inside Istio's test
// helpers turns into an error instead of ending the program.
func guard(f *failer, what string, fn func()) (err error) {
	done := make(chan struct{})
	completed := false
	var panicked any
	var stack []byte
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				panicked = r
				stack = debug.Stack()
			}
		}()
		fn()
		completed = true
	}()
	<-done
	errs := f.takeErrors()
	switch {
	case panicked != nil:
		if os.Getenv("MESHFED_ORACLE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "%s\n", stack)
		}
		return fmt.Errorf("%s: istio panicked: %v", what, panicked)
	case !completed || len(errs) > 0:
		return fmt.Errorf("%s: %s", what, strings.Join(errs, "; "))
	}
	return nil
}
