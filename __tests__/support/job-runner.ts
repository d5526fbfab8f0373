// The Job controller and kubelet for Jobs, simulated: each Job created in the namespace runs its first
// container's command as a local process (with the container's env), and its status says one pod is active and
// ready, as the Job controller would write once the pod is. When the Job is deleted, the process is killed, as
// the garbage collector and the kubelet would. A Job whose image is in `failing` gets a waiting pod instead
// (e.g. ImagePullBackOff), which is how a wrong image looks on a real cluster.
import { type ChildProcess, spawn } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { type ContainerWaiting, createWaitingPod } from './node-pods.js';
import { PollingLoop } from './polling-loop.js';

export interface JobRun {
  readonly name: string;
  readonly uid: string;
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** What the process printed. */
  output: string;
  /** Whether the process is still running. */
  running: boolean;
}

export class JobRunner {
  private readonly batch: k8s.BatchV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly loop = new PollingLoop('job runner', 200, () => this.reconcile());
  private readonly processes = new Map<string, ChildProcess>();
  /** The waiting pod of each failing Job, deleted with its Job as the garbage collector would. */
  private readonly waitingPods = new Map<string, string>();
  /** Every Job run, in order. */
  readonly runs: JobRun[] = [];

  constructor(
    adminKubeconfig: string,
    private readonly namespace: string,
    private readonly failing: Readonly<Record<string, ContainerWaiting>> = {},
  ) {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(adminKubeconfig);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    for (const name of [...this.processes.keys()]) this.kill(name);
  }

  private async reconcile(): Promise<void> {
    const jobs = (await this.batch.listNamespacedJob({ namespace: this.namespace })).items;
    const present = new Set(jobs.map((job) => job.metadata?.name ?? ''));
    for (const name of [...this.processes.keys()]) if (!present.has(name)) this.kill(name);
    for (const [name, pod] of [...this.waitingPods]) {
      if (present.has(name)) continue;
      this.waitingPods.delete(name);
      await this.core.deleteNamespacedPod({ name: pod, namespace: this.namespace });
    }
    for (const job of jobs) {
      const name = job.metadata?.name ?? '';
      const uid = job.metadata?.uid ?? '';
      if (job.metadata?.deletionTimestamp || this.runs.some((run) => run.uid === uid)) continue;
      const container = job.spec?.template.spec?.containers[0];
      const failure = this.failing[container?.image ?? ''];
      if (failure) await this.createWaitingPod(job, failure);
      else this.run(name, uid, container);
      await this.batch.patchNamespacedJobStatus(
        {
          name,
          namespace: this.namespace,
          body: {
            status: {
              startTime: new Date(),
              active: 1,
              ready: failure ? 0 : 1,
              terminating: 0,
              uncountedTerminatedPods: {},
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
  }

  private run(name: string, uid: string, container: k8s.V1Container | undefined): void {
    const command = [...(container?.command ?? []), ...(container?.args ?? [])];
    const env = Object.fromEntries((container?.env ?? []).map((v) => [v.name, v.value ?? '']));
    const run: JobRun = { name, uid, command, env, output: '', running: true };
    this.runs.push(run);
    const [file = 'false', ...args] = command;
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.on('error', () => {});
    child.stdout?.on('data', (chunk: Buffer) => {
      run.output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      run.output += chunk.toString('utf8');
    });
    child.on('exit', () => {
      run.running = false;
    });
    this.processes.set(name, child);
  }

  private kill(name: string): void {
    const child = this.processes.get(name);
    this.processes.delete(name);
    if (child?.pid === undefined) return;
    try {
      // The whole group: the shell and the curls it started.
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private async createWaitingPod(job: k8s.V1Job, waiting: ContainerWaiting): Promise<void> {
    const name = job.metadata?.name ?? '';
    const podName = `${name}-x7k2p`;
    this.runs.push({ name, uid: job.metadata?.uid ?? '', command: [], env: {}, output: '', running: false });
    this.waitingPods.set(name, podName);
    await createWaitingPod(this.core, {
      namespace: this.namespace,
      name: podName,
      template: job.spec?.template,
      labels: { 'batch.kubernetes.io/job-name': name },
      waiting,
    });
  }
}
