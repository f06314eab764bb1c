package oracle

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"istio.io/istio/manifests"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// crdVersion is one served version of an Istio CRD, ready to check objects as the API server does.
type crdVersion struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

var (
	crdOnce    sync.Once
	crdSchemas map[string]*crdVersion // by group/version/kind
	crdErr     error
)

// loadCRDSchemas reads the CRDs the pinned Istio installs (manifests/charts/base/files/crd-all.gen.yaml,
// embedded in istio.io/istio/manifests) and builds the API server's validators for every served version.
func loadCRDSchemas() {
	crdSchemas = map[string]*crdVersion{}
	raw, err := fs.ReadFile(manifests.FS, "charts/base/files/crd-all.gen.yaml")
	if err != nil {
		crdErr = err
		return
	}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal([]byte(doc), &crd); err != nil || crd.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served || v.Schema == nil {
				continue
			}
			internal := &apiextensions.CustomResourceValidation{}
			if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, internal, nil); err != nil {
				crdErr = err
				return
			}
			ss, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
			if err != nil {
				crdErr = fmt.Errorf("%s %s: %w", crd.Name, v.Name, err)
				return
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
			if err != nil {
				crdErr = fmt.Errorf("%s %s: %w", crd.Name, v.Name, err)
				return
			}
			crdSchemas[crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind] = &crdVersion{ss, validator, cel.NewValidator(ss, true, celconfig.PerCallLimit)}
		}
	}
}

// crdSchemaCheck refuses an Istio resource the Kubernetes API server refuses on create, before
// istiod ever sees it: a field its CRD does not declare (kubectl's default strict field
// validation), a value of the wrong type, outside an enum or range, or failing one of the CRD's
// CEL rules (x-kubernetes-validations). Nulls of fields that are not nullable are dropped first,
// as the API server does. Istio's own parser is laxer (it reads "15443" as a port number).
func crdSchemaCheck(d ResourceDoc) error {
	crdOnce.Do(loadCRDSchemas)
	if crdErr != nil {
		return fmt.Errorf("reading Istio's CRDs: %w", crdErr)
	}
	v := crdSchemas[d.API+"/"+d.Kind]
	if v == nil {
		return nil
	}
	js, err := yaml.YAMLToJSON([]byte(d.Text))
	if err != nil {
		return nil // the YAML is reported elsewhere
	}
	var obj map[string]interface{}
	if err := utiljson.Unmarshal(js, &obj); err != nil || obj == nil {
		return nil
	}
	if unknown := pruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}); len(unknown) > 0 {
		return inputErrorf(d.File, "document %d (%s %s): the API server refuses it: unknown field %q", d.Index+1, d.Kind, d.Name, unknown[0])
	}
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, v.structural)
	errs := apiservervalidation.ValidateCustomResource(nil, obj, v.validator)
	if len(errs) == 0 {
		celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	if len(errs) > 0 {
		return inputErrorf(d.File, "document %d (%s %s): the API server refuses it: %v", d.Index+1, d.Kind, d.Name, errs.ToAggregate())
	}
	return nil
}
