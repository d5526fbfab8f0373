// Pods as a kubelet would run them, for tests of pods/portforward: bound to a Node that env.startNode()
// registered, with the status the kubelet would report. The pod's process is whatever the test runs on
// 127.0.0.1 at the container port, where the fake kubelet connects forwarded streams.
import * as k8s from '@kubernetes/client-node';

export interface NodePod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly k8s.V1ContainerPort[];
  /** Default true: Running and Ready. False: Running, not Ready. */
  readonly ready?: boolean;
}

export async function createNodePod(adminKubeconfig: string, pod: NodePod): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(adminKubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPod({
    namespace: pod.namespace,
    body: {
      metadata: { name: pod.name, labels: { ...pod.labels } },
      spec: {
        nodeName: pod.node,
        containers: [{ name: 'app', image: 'ghcr.io/acme/app:1', ports: [...pod.ports] }],
      },
    },
  });
  const ready = pod.ready ?? true;
  await core.patchNamespacedPodStatus(
    {
      name: pod.name,
      namespace: pod.namespace,
      body: {
        status: {
          phase: 'Running',
          podIP: '127.0.0.1',
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: ready ? 'True' : 'False' },
          ],
          containerStatuses: [
            {
              name: 'app',
              image: 'ghcr.io/acme/app:1',
              imageID: '',
              ready,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: new Date() } },
            },
          ],
        },
      },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

/** A container that cannot start, as the kubelet reports it (e.g. ImagePullBackOff). */
export interface ContainerWaiting {
  readonly reason: string;
  readonly message: string;
}

/**
 * The pod a workload controller would create from `template`, never scheduled to a running state: its first
 * container waits with `waiting` (the others run), as the kubelet would report a pod whose image cannot be pulled.
 */
export async function createWaitingPod(
  core: k8s.CoreV1Api,
  pod: {
    readonly namespace: string;
    readonly name: string;
    readonly template: k8s.V1PodTemplateSpec | undefined;
    readonly labels: Readonly<Record<string, string>>;
    readonly waiting: ContainerWaiting;
  },
): Promise<void> {
  const { namespace, name, template, waiting } = pod;
  const containers = template?.spec?.containers ?? [];
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { ...template?.metadata?.labels, ...pod.labels } },
      spec: template?.spec ?? { containers: [] },
    },
  });
  const containerStatuses = containers.map((container, index) => ({
    name: container.name,
    image: container.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state:
      index === 0
        ? { waiting: { reason: waiting.reason, message: waiting.message } }
        : { running: { startedAt: new Date() } },
  }));
  await core.patchNamespacedPodStatus(
    {
      name,
      namespace,
      body: {
        status: {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'True' }],
          containerStatuses,
        },
      },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
