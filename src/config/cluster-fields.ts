import {
  parseAnnotations,
  parseEnv,
  parseImage,
  parseKubeconfig,
  parseMirrorPercent,
} from './cluster-values.js';
import { type ConfigField, durationAtLeast, field } from './config-field.js';
import type { ClusterSettings } from './experiment-settings.js';
import { parseDnsLabel, parseDnsSubdomain } from './names.js';
import { parseBoolean, parseChoice } from './scalar-values.js';

/**
 * The `cluster:` section: deploying the dark version and mirroring traffic to it. Setting any of these turns
 * the cluster side on; with none, the run only evaluates an already deployed dark revision, as before.
 * Cross-field rules (what each target and router needs) are in resolve-cluster.ts.
 */
export const CLUSTER_FIELDS: readonly ConfigField[] = [
  field({
    setting: 'kubeconfig',
    input: 'kubeconfig',
    description:
      "Kubeconfig for the cluster, as YAML or base64 of it; pass it from a secret. It stays in memory and is masked. Default: the runner's own (KUBECONFIG, ~/.kube/config or in-cluster).",
    parse: parseKubeconfig,
  }),
  field({
    setting: 'clusterTarget',
    input: 'target',
    file: 'cluster.target',
    default: 'existing',
    description:
      'What deploys the dark version: knative (a new revision of the Knative Service), deployment (a copy of the live Deployment) or existing (already running; only routing and evaluation). Default: existing.',
    parse: (value, at) => parseChoice(value, at, ['knative', 'deployment', 'existing']),
  }),
  field({
    setting: 'image',
    input: 'image',
    file: 'cluster.image',
    description: 'Candidate image for target knative or deployment, e.g. `ghcr.io/acme/checkout:pr-42`.',
    parse: parseImage,
  }),
  field({
    setting: 'revisionSuffix',
    input: 'revision-suffix',
    file: 'cluster.revisionSuffix',
    description:
      'Suffix of the dark version, named `<service>-<suffix>` (knative) or `<deployment>-<suffix>` (deployment). Default: the first 7 characters of the commit sha.',
    parse: (value, at) => parseDnsLabel(value, at, 'pr-42'),
  }),
  field({
    setting: 'deployment',
    input: 'deployment',
    file: 'cluster.deployment',
    description: 'The live Deployment that target deployment copies. Default: the service name.',
    parse: (value, at) => parseDnsSubdomain(value, at, 'checkout'),
  }),
  field({
    setting: 'container',
    input: 'container',
    file: 'cluster.container',
    description: 'Container that takes the candidate image when the pod has several. Default: the first.',
    parse: (value, at) => parseDnsLabel(value, at, 'app'),
  }),
  field({
    setting: 'env',
    input: 'env',
    file: 'cluster.env',
    description:
      'Environment variables for the candidate container, added to (or overriding) the live ones: `NAME=value` lines or a YAML mapping.',
    parse: parseEnv,
  }),
  field({
    setting: 'annotations',
    input: 'annotations',
    file: 'cluster.annotations',
    description:
      'Annotations on the dark Knative revision template (`key=value` lines or a YAML mapping); min-scale 1 is always set.',
    parse: parseAnnotations,
  }),
  field({
    setting: 'router',
    input: 'router',
    file: 'cluster.router',
    default: 'none',
    description:
      'How live traffic is mirrored to the dark version: istio (VirtualService), gateway-api (HTTPRoute RequestMirror) or none (you mirror already). Default: none.',
    parse: (value, at) => parseChoice(value, at, ['istio', 'gateway-api', 'none']),
  }),
  field({
    setting: 'istioMode',
    input: 'istio-mode',
    file: 'cluster.istioMode',
    default: 'patch',
    description:
      "Router istio: patch (add the mirror to your VirtualService's route, restored after), dedicated (a VirtualService of Shadowgate's own) or tutorial (Iter8's two-VirtualService layout, needs the `-shadow` host suffix Istio 1.28+ no longer adds). Default: patch.",
    parse: (value, at) => parseChoice(value, at, ['patch', 'dedicated', 'tutorial']),
  }),
  field({
    setting: 'virtualService',
    input: 'virtual-service',
    file: 'cluster.virtualService',
    description:
      'Router istio, mode patch: the VirtualService to patch. Default: the one whose route sends traffic to the service.',
    parse: (value, at) => parseDnsSubdomain(value, at, 'checkout'),
  }),
  field({
    setting: 'httpRoute',
    input: 'http-route',
    file: 'cluster.httpRoute',
    description: 'Router gateway-api (required there): the HTTPRoute whose rule serves the live backend.',
    parse: (value, at) => parseDnsSubdomain(value, at, 'checkout'),
  }),
  field({
    setting: 'mirrorPercent',
    input: 'mirror-percent',
    file: 'cluster.mirrorPercent',
    default: '100',
    description:
      "Share of live requests copied to the dark version (by the Istio or Gateway API mirror, or the builtin proxy), above 0 and at most 100. Default: 100: users never see the copy's response, and every request is a sample; lower it when the dark version's dependencies cannot take the full load.",
    parse: parseMirrorPercent,
  }),
  field({
    setting: 'readyTimeoutMs',
    input: 'ready-timeout',
    file: 'cluster.readyTimeout',
    default: '5m',
    description: 'How long the dark version may take to become ready (at least 1s). Default: 5m.',
    parse: durationAtLeast(1000, '5m'),
  }),
  field({
    setting: 'leaseTimeoutMs',
    input: 'lease-timeout',
    file: 'cluster.leaseTimeout',
    default: '10m',
    description:
      'How long to wait while another run holds the Lease on the same service, before failing (0 = fail at once). Default: 10m.',
    parse: durationAtLeast(0, '10m'),
  }),
  field({
    setting: 'promote',
    input: 'promote',
    file: 'cluster.promote',
    default: 'false',
    description:
      'On pass, make the dark version live: Knative moves 100% of traffic to it; a Deployment takes the candidate image. Needs target knative or deployment. Default: false.',
    parse: parseBoolean,
  }),
];

/** The settings that belong to the cluster side: any of them given turns it on. */
export const CLUSTER_SETTINGS: ReadonlySet<keyof ClusterSettings> = new Set(
  CLUSTER_FIELDS.map(({ setting }) => setting as keyof ClusterSettings).filter(
    // mirror-percent also sets the builtin proxy's share, so on its own it does not turn the cluster side on.
    (setting) => setting !== 'mirrorPercent',
  ),
);
