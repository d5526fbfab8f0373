// Vitest global setup of the integration suite: starts the real cluster (testenv/cluster/) once for every test
// file, owned by the main vitest process, and stops it at the end; the teardown fails the suite if the stop left
// anything on the host that was not there before the start.
import type { TestProject } from 'vitest/node';
import { footprintDiff, hostFootprint } from './host-footprint.js';
import {
  type RealClusterInfo,
  realClusterUnsupported,
  startRealCluster,
  stopRealCluster,
  waitWhileOtherClusterRuns,
} from './real-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    realCluster: RealClusterInfo | { readonly unavailable: string };
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const unsupported = realClusterUnsupported();
  if (unsupported) {
    project.provide('realCluster', { unavailable: unsupported });
    return undefined;
  }
  // One cluster per machine: another live owner's (another checkout's suite) is waited for, never stopped.
  await waitWhileOtherClusterRuns();
  // Before the start's own sweep, a crashed run's leftovers would count as ours: stop (idempotent) first.
  await stopRealCluster();
  const before = await hostFootprint();
  const started = Date.now();
  const info = await startRealCluster(process.pid);
  console.log(`testenv/cluster: the real cluster started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('realCluster', info);
  return async () => {
    // The namespaces files left (RealCluster.leaveNamespace) go with etcd's data.
    await stopRealCluster();
    const left = footprintDiff(before, await hostFootprint());
    if (left.length > 0)
      throw new Error(`Stopping the real cluster left the host changed:\n${left.join('\n')}`);
  };
}
