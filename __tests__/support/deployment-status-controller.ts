// Stands in for the Deployment controller and the kubelet on the kube test env (an API server with no
// kube-controller-manager and no node), for the simulated data plane only: Istio mirroring, which cannot run on the
// real cluster, and `npm run demo:cluster` on a host that cannot run containers. It writes the status those controllers would write (observedGeneration, replica counts, the
// Available and Progressing conditions) and, for a Deployment told to fail, the Pod a failing rollout leaves
// behind, with its container waiting reason. The real controllers' behaviour is tested on the real cluster.
import * as k8s from '@kubernetes/client-node';
import { PollingLoop } from './polling-loop.js';

/** How the stand-in controller treats one Deployment. */
export type RolloutBehaviour =
  /** Every replica updated, ready and available, as after a healthy rollout. */
  | { readonly kind: 'ready' }
  /** Nothing observed: as if the controller were down or the pods never scheduled. */
  | { readonly kind: 'stalled' }
  /** A pod whose container waits with this reason (e.g. ImagePullBackOff) and message; the replica never becomes available. */
  | { readonly kind: 'waiting'; readonly reason: string; readonly message: string };

const POLL_MS = 50;

export class DeploymentStatusController {
  private readonly apps: k8s.AppsV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly behaviours = new Map<string, RolloutBehaviour>();
  private readonly handled = new Map<string, number>();
  private readonly loop = new PollingLoop('deployment status controller', POLL_MS, () => this.reconcileAll());

  constructor(
    adminKubeconfig: string,
    private readonly namespace: string,
  ) {
    const config = new k8s.KubeConfig();
    config.loadFromString(adminKubeconfig);
    this.apps = config.makeApiClient(k8s.AppsV1Api);
    this.core = config.makeApiClient(k8s.CoreV1Api);
  }

  /** How to treat the Deployment `name` from now on (by default: ready). */
  behave(name: string, behaviour: RolloutBehaviour): void {
    this.behaviours.set(name, behaviour);
    this.handled.delete(name);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass, for tests that drive it step by step. */
  async reconcileAll(): Promise<void> {
    const { items } = await this.apps.listNamespacedDeployment({ namespace: this.namespace });
    for (const deployment of items) {
      const name = deployment.metadata?.name ?? '';
      const generation = deployment.metadata?.generation ?? 0;
      // Each generation is reconciled once, like the real controller does once it has written its status.
      if (this.handled.get(name) === generation) continue;
      await this.reconcile(deployment, this.behaviours.get(name) ?? { kind: 'ready' });
      this.handled.set(name, generation);
    }
  }

  private async reconcile(deployment: k8s.V1Deployment, behaviour: RolloutBehaviour): Promise<void> {
    if (behaviour.kind === 'stalled') return;
    const name = deployment.metadata?.name ?? '';
    const replicas = deployment.spec?.replicas ?? 1;
    const now = new Date();
    const condition = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      reason,
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    });
    const replicaSet = `${name}-5d8f7b9c6`;
    const healthy = behaviour.kind === 'ready';
    if (behaviour.kind === 'waiting') await this.createWaitingPod(deployment, replicaSet, behaviour);
    const status: k8s.V1DeploymentStatus = {
      observedGeneration: deployment.metadata?.generation ?? 0,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: healthy ? replicas : 0,
      availableReplicas: healthy ? replicas : 0,
      unavailableReplicas: healthy ? 0 : replicas,
      conditions: [
        healthy
          ? condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        healthy
          ? condition(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${replicaSet}" has successfully progressed.`,
            )
          : condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${replicaSet}" is progressing.`,
            ),
      ],
    };
    try {
      await this.apps.patchNamespacedDeploymentStatus(
        { name, namespace: this.namespace, body: { status } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    } catch (error) {
      // Deleted between the list and the write.
      if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
    }
  }

  /** The pod the ReplicaSet controller would create, with the status the kubelet would report for it. */
  private async createWaitingPod(
    deployment: k8s.V1Deployment,
    replicaSet: string,
    waiting: ContainerWaiting,
  ): Promise<void> {
    await createWaitingPod(this.core, {
      namespace: this.namespace,
      name: `${replicaSet}-${Math.random().toString(36).slice(2, 7)}`,
      template: deployment.spec?.template,
      labels: { 'pod-template-hash': '5d8f7b9c6' },
      waiting,
    });
  }
}

/** A container that cannot start, as the kubelet reports it (e.g. ImagePullBackOff). */
interface ContainerWaiting {
  readonly reason: string;
  readonly message: string;
}

/**
 * The pod a workload controller would create from `template`, never scheduled to a running state: its first
 * container waits with `waiting` (the others run), as the kubelet would report a pod whose image cannot be pulled.
 */
async function createWaitingPod(
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
