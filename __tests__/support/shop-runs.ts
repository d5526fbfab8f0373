// What a shop test (simulated-shop.ts on the simulated data plane, real-shop.ts on the real cluster) runs: the
// bundled action's inputs for a sample, one step run per workflow run on pull request #21, and the sticky comment
// the fake GitHub API received.
import type { ChildProcess } from 'node:child_process';
import { PR } from './checkout-cluster.js';
import type { FakeGitHub } from './fake-github-server.js';
import { type ActionRun, runBundledAction } from './run-bundled-action.js';
import type { ShopSample } from './shop-samples.js';

export interface ShopRuns {
  /** The action's inputs for a run that deploys `image` as `<service>-<suffix>`, with the sample's target and router. */
  inputs(suffix: string, image: string, extra?: Record<string, string>): Record<string, string>;
  /**
   * One main step run of the bundled action, as a new workflow run on pull request #21; with `state`, the post
   * step of the last one.
   */
  run(
    inputs: Record<string, string>,
    options?: { state?: Record<string, string>; onSpawn?: (child: ChildProcess) => void },
  ): Promise<ActionRun>;
  /** The sticky comment on the pull request; throws unless there is exactly one comment. */
  prComment(): string;
}

export function shopRuns(options: {
  sample: ShopSample;
  prometheusUrl: string;
  kubeconfig: string;
  github: FakeGitHub;
  firstRunNumber: number;
}): ShopRuns {
  const { sample, github } = options;
  let runNumber = options.firstRunNumber;
  return {
    inputs: (suffix, image, extra = {}) => ({
      name: 'checkout-gate',
      namespace: sample.namespace,
      service: sample.service,
      'prometheus-url': options.prometheusUrl,
      'metric-template': 'istio',
      // The relative objective is on errors: both versions' p95 sit in one Istio bucket, where no bound can
      // place one against the other, and a mean bounded by its buckets needs more requests than a test sends.
      objectives: 'p95-latency < 100ms\nerror-rate <= live + 5pp\nerror-rate < 5%',
      interval: '3s',
      iterations: '3',
      'min-requests': '20',
      'github-token': 'ghs_simulatedDataPlane0123456789',
      comment: 'always',
      kubeconfig: options.kubeconfig,
      target: sample.target,
      image,
      'revision-suffix': suffix,
      ...(sample.router.kind === 'istio'
        ? { router: 'istio', 'virtual-service': sample.router.virtualService }
        : { router: 'gateway-api', 'http-route': sample.router.httpRoute }),
      'ready-timeout': '60s',
      ...extra,
    }),
    run: (inputs, runOptions = {}) => {
      if (!runOptions.state) runNumber++;
      return runBundledAction({
        inputs,
        event: PR,
        apiUrl: github.url,
        env: { GITHUB_RUN_ID: String(runNumber) },
        ...runOptions,
      });
    },
    prComment: () => {
      const comments = github.comments.filter((comment) => comment.issueNumber === PR.number);
      if (comments.length !== 1)
        throw new Error(`expected one comment on #${PR.number}, found ${comments.length}`);
      return comments[0]?.body ?? '';
    },
  };
}
