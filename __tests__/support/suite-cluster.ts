import { inject } from 'vitest';
import { type RealCluster, realCluster, runningClusterInfo } from './real-cluster.js';

/** The real cluster the integration suite's global setup started (real-cluster-setup.ts), as it runs now. */
export function suiteCluster(): RealCluster {
  const provided = inject('realCluster');
  // Only the real-cluster project's files have it (vitest.config.itg.ts picks them by their imports).
  if (!provided)
    throw new Error("No real cluster for this file: it runs in the integration suite's host project");
  if ('unavailable' in provided) throw new Error(`No real cluster for this test: ${provided.unavailable}`);
  // Not the provided info itself: a test file may have restarted the cluster (with new certificates) since.
  return realCluster(runningClusterInfo());
}
