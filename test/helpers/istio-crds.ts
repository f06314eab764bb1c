import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { Gateway } from "@kubernetes-models/istio/networking.istio.io/v1/Gateway";
import { ServiceEntry } from "@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry";
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication";
import { IstioOperator } from "@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator";

type Validatable = { validate(): void };
type Ctor = new (data: never) => Validatable;

const models: Record<string, Ctor> = {
  "networking.istio.io/v1/Gateway": Gateway as unknown as Ctor,
  "networking.istio.io/v1/ServiceEntry": ServiceEntry as unknown as Ctor,
  "networking.istio.io/v1/DestinationRule": DestinationRule as unknown as Ctor,
  "security.istio.io/v1/PeerAuthentication": PeerAuthentication as unknown as Ctor,
  "security.istio.io/v1/AuthorizationPolicy": AuthorizationPolicy as unknown as Ctor,
  "install.istio.io/v1alpha1/IstioOperator": IstioOperator as unknown as Ctor,
};

/**
 * Validates a resource against Istio's published CRD schema (the OpenAPI schemas shipped in
 * @kubernetes-models/istio). Throws with the schema errors when it does not validate.
 */
export function validateAgainstCrd(resource: { apiVersion: string; kind: string }): void {
  const model = models[`${resource.apiVersion}/${resource.kind}`];
  if (!model) throw new Error(`no CRD schema for ${resource.apiVersion} ${resource.kind}`);
  new model(structuredClone(resource) as never).validate();
}
