import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1LabelSelector,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import { ConfigurationError } from '../core/configuration-error.js';
import { ClusterError } from './cluster-error.js';
import { ownershipLabels } from './ownership.js';

/** Version labels Istio reads for `destination_version` and `destination_canonical_revision`. */
export const VERSION_LABELS = ['version', 'app.kubernetes.io/version'] as const;

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE_MAX = 63;

/** What the dark copy is derived from and with. */
export interface DarkDeploymentInput {
  readonly live: V1Deployment;
  readonly liveService: V1Service;
  readonly image: string;
  readonly suffix: string;
  readonly container?: string;
  readonly env: Readonly<Record<string, string>>;
  /** The service under test and the run, for the ownership labels. */
  readonly service: string;
  readonly runId: string;
}

/** The dark Deployment and the Service that reaches only its pods, both named `<deployment>-<suffix>`. */
export interface DarkDeployment {
  readonly deployment: V1Deployment;
  readonly service: V1Service;
}

export function darkDeploymentName(deployment: string, suffix: string): string {
  const name = `${deployment}-${suffix}`;
  // The dark Service shares the name, and Service names are DNS-1035 labels.
  if (name.length > 63 || !DNS_1035_LABEL.test(name)) {
    throw new ConfigurationError(
      'revision-suffix',
      `the dark copy would be named "${name}", which is not a valid Service name (lower-case letters, digits ` +
        'and "-", starting with a letter, at most 63 characters); shorten the suffix or the deployment name',
      'revision-suffix: pr-42',
    );
  }
  return name;
}

/**
 * The dark copy of the live Deployment: the candidate image and env on the chosen container, one replica, distinct
 * version labels, and pods the live Service and live Deployment do not select, so the dark pods get only mirrored
 * traffic and the live rollout never counts them.
 */
export function deriveDarkDeployment(input: DarkDeploymentInput): DarkDeployment {
  const { live, liveService, suffix } = input;
  const liveName = live.metadata?.name ?? '';
  const namespace = live.metadata?.namespace;
  const name = darkDeploymentName(liveName, suffix);
  const template = live.spec?.template;
  if (!live.spec || !template?.spec) {
    throw new ClusterError(`Deployment "${liveName}" in namespace "${namespace}" has no pod template`);
  }

  const selectedKeys = new Set([
    ...Object.keys(liveService.spec?.selector ?? {}),
    ...Object.keys(live.spec.selector.matchLabels ?? {}),
  ]);
  const versionLabels = Object.fromEntries(VERSION_LABELS.map((key) => [key, suffix]));
  const podLabels: Record<string, string> = { ...template.metadata?.labels };
  for (const key of selectedKeys) {
    const value = podLabels[key];
    if (value !== undefined) podLabels[key] = darkLabelValue(value, suffix);
  }
  Object.assign(podLabels, versionLabels);
  const darkSelector: V1LabelSelector = {
    matchLabels: Object.fromEntries(
      [...selectedKeys, ...VERSION_LABELS].flatMap((key) => {
        const value = podLabels[key];
        return value === undefined ? [] : [[key, value] as const];
      }),
    ),
  };
  const liveSelectors: [V1LabelSelector, string][] = [[live.spec.selector, `Deployment "${liveName}"`]];
  // A Service without a selector selects no pods (its endpoints are managed by hand).
  const serviceSelector = liveService.spec?.selector ?? {};
  if (Object.keys(serviceSelector).length > 0) {
    liveSelectors.push([{ matchLabels: serviceSelector }, `Service "${liveService.metadata?.name}"`]);
  }
  for (const [selector, what] of liveSelectors) {
    if (selects(selector, podLabels)) {
      throw new ClusterError(
        `The dark pods of "${name}" would still be selected by the live ${what}: its selector uses only ` +
          'match expressions Shadowgate does not rewrite; give it matchLabels',
      );
    }
  }

  const containers = template.spec.containers.map((container) => ({ ...container }));
  const candidate = chooseContainer(containers, input.container, liveName);
  candidate.image = input.image;
  candidate.env = withEnv(candidate.env ?? [], input.env);

  const owned = ownershipLabels(input.service, input.runId);
  const { creationTimestamp: _, ...templateMetadata } = template.metadata ?? {};
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { ...owned, ...versionLabels } },
    spec: {
      ...live.spec,
      replicas: 1,
      paused: undefined,
      selector: darkSelector,
      template: {
        metadata: { ...templateMetadata, labels: podLabels },
        spec: { ...template.spec, containers },
      },
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { ...owned, ...versionLabels } },
    spec: {
      type: 'ClusterIP',
      selector: darkSelector.matchLabels,
      ports: (liveService.spec?.ports ?? []).map(servicePortCopy),
    },
  };
  return { deployment, service };
}

/** The container that gets the candidate image: the named one, or the first. */
export function chooseContainer(containers: V1Container[], name: string | undefined, deployment: string) {
  const chosen = name === undefined ? containers[0] : containers.find((container) => container.name === name);
  if (!chosen) {
    throw new ConfigurationError(
      'container',
      `Deployment "${deployment}" has no container named "${name}"; its containers are ` +
        containers.map((container) => `"${container.name}"`).join(', '),
      `container: ${containers[0]?.name ?? 'app'}`,
    );
  }
  return chosen;
}

/** The live env with the overrides applied in place (a `valueFrom` is replaced) and new variables appended. */
export function withEnv(env: readonly V1EnvVar[], overrides: Readonly<Record<string, string>>): V1EnvVar[] {
  const result = env.map((variable) =>
    Object.hasOwn(overrides, variable.name)
      ? { name: variable.name, value: overrides[variable.name] }
      : variable,
  );
  for (const [name, value] of Object.entries(overrides)) {
    if (!env.some((variable) => variable.name === name)) result.push({ name, value });
  }
  return result;
}

/** `<value>-<suffix>`, shortened to a valid label value. */
function darkLabelValue(value: string, suffix: string): string {
  const head = value.slice(0, Math.max(0, LABEL_VALUE_MAX - suffix.length - 1)).replace(/[^A-Za-z0-9]+$/, '');
  return head ? `${head}-${suffix}` : suffix;
}

/** Only the fields that describe the port: the dark Service gets its own cluster IP and node ports. */
function servicePortCopy({ name, port, targetPort, protocol, appProtocol }: V1ServicePort): V1ServicePort {
  return { name, port, targetPort, protocol, appProtocol };
}

/** Kubernetes label-selector semantics; an empty selector selects everything. */
export function selects(selector: V1LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    byLabels &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      switch (operator) {
        case 'In':
          return value !== undefined && values.includes(value);
        case 'NotIn':
          return value === undefined || !values.includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return false;
      }
    })
  );
}
