// Command yamljson prints, for each YAML file named on the command line, the JSON that
// Kubernetes makes of each of its documents: the stream split by apimachinery's YAML reader
// (as kubectl splits it) and each document converted by sigs.k8s.io/yaml (as kubectl and the
// API server convert it). meshfed's YAML reader is tested against this output.
//
// Output: one JSON object per file, one per line: {"file": F, "docs": [...]} where each doc is
// {"json": <value>} or {"error": "..."}; a document that is empty or only comments is left out.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type doc struct {
	JSON  json.RawMessage `json:"json,omitempty"`
	Error string          `json:"error,omitempty"`
}

func main() {
	out := json.NewEncoder(os.Stdout)
	for _, file := range os.Args[1:] {
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		docs := []doc{}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for {
			chunk, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				docs = append(docs, doc{Error: err.Error()})
				break
			}
			j, err := yaml.YAMLToJSON(chunk)
			if err != nil {
				docs = append(docs, doc{Error: err.Error()})
				continue
			}
			if string(j) == "null" {
				continue
			}
			docs = append(docs, doc{JSON: j})
		}
		if err := out.Encode(map[string]any{"file": file, "docs": docs}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
