import type { V1Job } from '@kubernetes/client-node';
import type { LoadJobConfig } from '../core/cluster-config.js';
import type { RequestTemplate } from '../core/traffic-config.js';
import type { ChangeJournal } from './change-journal.js';
import type { ClusterContext } from './cluster-context.js';
import type { ObjectRef } from './kube-api.js';
import { ownershipLabels } from './ownership.js';
import { assessJob } from './rollout-status.js';
import { waitForWorkload } from './workload-wait.js';

/** How many requests one round of the weighted cycle holds: weights are kept to about 1%. */
const CYCLE_LENGTH = 100;
/** The Job ends itself this long after the run should have, should cleanup never come. */
const DEADLINE_MARGIN_SECONDS = 600;

export function loadJobName(service: string): string {
  return `shadowgate-load-${service}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * The order requests are sent in, repeated: each template as often as its weight says, spread evenly (smooth
 * weighted round robin), so a share of requests holds at any moment and not only over a whole cycle.
 */
export function requestCycle(requests: readonly RequestTemplate[]): RequestTemplate[] {
  const total = requests.reduce((sum, request) => sum + request.weight, 0);
  const counts = requests.map((request) => Math.max(1, Math.round((request.weight / total) * CYCLE_LENGTH)));
  const current = counts.map(() => 0);
  const length = counts.reduce((sum, count) => sum + count, 0);
  const cycle: RequestTemplate[] = [];
  for (let n = 0; n < length; n++) {
    let best = 0;
    for (let i = 0; i < counts.length; i++) {
      current[i] = (current[i] ?? 0) + (counts[i] ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - length;
    const request = requests[best];
    if (request) cycle.push(request);
  }
  return cycle;
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The Job's shell script: the open model with curl. Every `1 / rate` seconds it starts one curl in the
 * background, whatever the earlier ones are doing, so a slow answer delays no later request. Each curl prints
 * the status and total time, which `kubectl logs` shows.
 */
export function loadScript(config: LoadJobConfig): string {
  const cycle = requestCycle(config.requests);
  const timeoutSeconds = (config.requestTimeoutMs / 1000).toFixed(3);
  const cases = cycle.map((request, index) => {
    const args = [
      `-X ${quote(request.method)}`,
      ...Object.entries(request.headers).map(([name, value]) => `-H ${quote(`${name}: ${value}`)}`),
      ...(request.body === undefined ? [] : [`--data-binary ${quote(request.body)}`]),
      `"$SHADOWGATE_LOAD_URL"${quote(request.path)}`,
    ];
    return `    ${index}) curl -sS -o /dev/null -w '%{http_code} %{time_total}\\n' --max-time ${timeoutSeconds} ${args.join(' ')} & ;;`;
  });
  return [
    '# Shadowgate load: one request every 1/rate s, each in its own background curl (open model).',
    // As its container's PID 1 the shell has no default action for SIGTERM: without the trap the kubelet waits the
    // whole grace period (30 s) after cleanup deletes the Job, and the load goes on meanwhile.
    "trap 'exit 0' TERM INT",
    'i=0',
    'while :; do',
    `  case $((i % ${cycle.length})) in`,
    ...cases,
    '  esac',
    '  i=$((i + 1))',
    `  sleep ${(1 / config.ratePerSecond).toFixed(4)}`,
    'done',
    '',
  ].join('\n');
}

/** The Job: labelled like everything Shadowgate creates, with an Istio sidecar so the mesh routes its requests. */
export function loadJobManifest(
  config: LoadJobConfig,
  identity: { readonly namespace: string; readonly service: string; readonly runId: string },
): V1Job {
  const labels = ownershipLabels(identity.service, identity.runId);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: loadJobName(identity.service), namespace: identity.namespace, labels },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: Math.ceil(config.runSeconds) + DEADLINE_MARGIN_SECONDS,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: {
          // As in the Iter8 tutorial's curl Job: in a mesh the sidecar routes, and so mirrors, its requests.
          labels: { ...labels, 'sidecar.istio.io/inject': 'true' },
        },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'load',
              image: config.image,
              command: ['/bin/sh', '-c', loadScript(config)],
              env: [{ name: 'SHADOWGATE_LOAD_URL', value: config.url }],
              resources: { requests: { cpu: '100m', memory: '32Mi' } },
              securityContext: { allowPrivilegeEscalation: false },
            },
          ],
        },
      },
    },
  };
}

/**
 * Creates the load Job (recorded in the journal first, so cleanup deletes it with its pods) and resolves once
 * its pod is ready, i.e. the load is flowing.
 */
export async function startLoadJob(
  ctx: ClusterContext,
  journal: ChangeJournal,
  config: LoadJobConfig,
  signal?: AbortSignal,
): Promise<void> {
  const job = loadJobManifest(config, ctx);
  const name = job.metadata?.name ?? '';
  const ref: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', namespace: ctx.namespace, name };
  journal.record({ action: 'created', ref });
  await ctx.api.create(job);
  ctx.log(`Created Job "${name}": ${config.ratePerSecond} requests/s with curl to ${config.url}`);
  await waitForWorkload(
    ctx,
    {
      ref,
      labelSelector: `batch.kubernetes.io/job-name=${name}`,
      subject: `The load Job "${name}"`,
      failedTo: 'start',
      shortName: `Job "${name}"`,
      assess: assessJob,
    },
    signal,
  );
}
