// The samples of samples/ that end-to-end tests apply, and what the data planes and the action's inputs need to know
// about each: on the simulated data plane (simulated-shop.ts) and on the real cluster (real-shop.ts).
import { readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { Kind } from './checkout-cluster.js';

/** The object whose live route the ingress follows. */
export type ShopRouter =
  | { readonly kind: 'istio'; readonly virtualService: string }
  | { readonly kind: 'gateway-api'; readonly httpRoute: string };

/** A sample of samples/, and what the data plane and the action's inputs need to know about it. */
export interface ShopSample {
  /** Under samples/, applied in order. */
  readonly files: readonly string[];
  readonly namespace: string;
  /** The live Service (Kubernetes or Knative). */
  readonly service: string;
  readonly target: 'deployment' | 'knative';
  readonly router: ShopRouter;
  /** The process live traffic goes to (destination_workload). */
  readonly liveWorkload: string;
  /** Kinds beyond the checkout cluster's that a run must leave as they were. */
  readonly extraKinds: readonly Kind[];
}

export const ISTIO_DEPLOYMENT: ShopSample = {
  files: ['istio-deployment/app.yaml'],
  namespace: 'shop',
  service: 'checkout',
  target: 'deployment',
  router: { kind: 'istio', virtualService: 'checkout' },
  liveWorkload: 'checkout',
  extraKinds: [],
};

/** Also runs the cart Deployment (the same image as checkout), which its HTTPRoute's other rule serves; on the real cluster only. */
export const GATEWAY_API: ShopSample = {
  files: ['gateway-api/app.yaml'],
  namespace: 'shop',
  service: 'checkout',
  target: 'deployment',
  router: { kind: 'gateway-api', httpRoute: 'shop' },
  liveWorkload: 'checkout',
  extraKinds: [
    ['gateway.networking.k8s.io/v1', 'Gateway'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
  ],
};

/** The live revision sample-app-v1 runs as the workload sample-app-v1-deployment, as Knative names it. */
export const KNATIVE_ISTIO: ShopSample = {
  files: ['knative-istio/service.yaml', 'knative-istio/routing-rules.yaml'],
  namespace: 'default',
  service: 'sample-app',
  target: 'knative',
  router: { kind: 'istio', virtualService: 'example-mirroring' },
  liveWorkload: 'sample-app-v1-deployment',
  extraKinds: [
    ['serving.knative.dev/v1', 'Service'],
    ['serving.knative.dev/v1', 'Revision'],
  ],
};

/**
 * A Knative Service behind an HTTPRoute to its revision's Service; on the real cluster only, with Knative's own
 * controller. The live revision checkout-v1 runs as the workload checkout-v1-deployment, as Knative names it.
 */
export const KNATIVE_GATEWAY_API: ShopSample = {
  files: ['knative-gateway-api/app.yaml'],
  namespace: 'knative-shop',
  service: 'checkout',
  target: 'knative',
  router: { kind: 'gateway-api', httpRoute: 'shop' },
  liveWorkload: 'checkout-v1-deployment',
  extraKinds: [
    ['gateway.networking.k8s.io/v1', 'Gateway'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
    ['serving.knative.dev/v1', 'Service'],
    ['serving.knative.dev/v1', 'Configuration'],
    ['serving.knative.dev/v1', 'Route'],
    ['serving.knative.dev/v1', 'Revision'],
  ],
};

/** The sample's objects, in file order (a Namespace first). */
export function sampleObjects(sample: ShopSample = ISTIO_DEPLOYMENT): k8s.KubernetesObject[] {
  return sample.files.flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(`../../samples/${file}`, import.meta.url), 'utf8')).map(
      (document) => document.toJS() as k8s.KubernetesObject,
    ),
  );
}

/** The image of the sample's live Deployment or Knative Service. */
export function liveImage(sample: ShopSample = ISTIO_DEPLOYMENT): string {
  const live = sampleObjects(sample).find(
    (object) =>
      (object.kind === 'Deployment' || object.apiVersion === 'serving.knative.dev/v1') &&
      object.metadata?.name === sample.service,
  ) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
  return live?.spec?.template?.spec?.containers?.[0]?.image ?? '';
}
