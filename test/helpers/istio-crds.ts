import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { Gateway } from "@kubernetes-models/istio/networking.istio.io/v1/Gateway";
import { ServiceEntry } from "@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry";
import { AuthorizationPolicy } from "@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy";
import { PeerAuthentication } from "@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication";
import { IstioOperator } from "@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator";
import { DestinationRule as DestinationRuleV1beta1 } from "@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule";
import { Gateway as GatewayV1beta1 } from "@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway";
import { ServiceEntry as ServiceEntryV1beta1 } from "@kubernetes-models/istio/networking.istio.io/v1beta1/ServiceEntry";
import { AuthorizationPolicy as AuthorizationPolicyV1beta1 } from "@kubernetes-models/istio/security.istio.io/v1beta1/AuthorizationPolicy";
import { PeerAuthentication as PeerAuthenticationV1beta1 } from "@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication";

type Validatable = { validate(): void };
type Ctor = new (data: never) => Validatable;

const models: Record<string, Ctor> = {
  "networking.istio.io/v1/Gateway": Gateway as unknown as Ctor,
  "networking.istio.io/v1/ServiceEntry": ServiceEntry as unknown as Ctor,
  "networking.istio.io/v1/DestinationRule": DestinationRule as unknown as Ctor,
  "security.istio.io/v1/PeerAuthentication": PeerAuthentication as unknown as Ctor,
  "security.istio.io/v1/AuthorizationPolicy": AuthorizationPolicy as unknown as Ctor,
  "install.istio.io/v1alpha1/IstioOperator": IstioOperator as unknown as Ctor,
  // What meshfed writes for releases before 1.22 (meshes[].istioVersion).
  "networking.istio.io/v1beta1/Gateway": GatewayV1beta1 as unknown as Ctor,
  "networking.istio.io/v1beta1/ServiceEntry": ServiceEntryV1beta1 as unknown as Ctor,
  "networking.istio.io/v1beta1/DestinationRule": DestinationRuleV1beta1 as unknown as Ctor,
  "security.istio.io/v1beta1/PeerAuthentication": PeerAuthenticationV1beta1 as unknown as Ctor,
  "security.istio.io/v1beta1/AuthorizationPolicy": AuthorizationPolicyV1beta1 as unknown as Ctor,
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

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
}
interface Crd {
  metadata: { name: string };
  spec: { group: string; versions: CrdVersion[] };
}

/**
 * The pinned Istio's CRDs as a release before 1.22 serves them: the Istio groups' `v1` not
 * served, `v1beta1` the storage version (Istio 1.8 to 1.21 serve v1alpha3 and v1beta1 for
 * networking, v1beta1 for security; AuthorizationPolicy also v1 from 1.17, dropped here too so
 * a test sees every v1 request refused). The schemas are the pinned ones: a test of an old
 * release checks which versions meshfed asks for, not the old schemas.
 */
export function crdsServingNoV1<T>(crds: readonly T[]): T[] {
  return crds.map((raw) => {
    const crd = structuredClone(raw) as unknown as Crd;
    if (!/\.istio\.io$/.test(crd.spec.group) || !crd.spec.versions.some((v) => v.name === "v1beta1")) return crd as unknown as T;
    crd.spec.versions = crd.spec.versions.map((v) => (v.name === "v1" ? { ...v, served: false, storage: false } : { ...v, storage: v.name === "v1beta1" }));
    return crd as unknown as T;
  });
}
