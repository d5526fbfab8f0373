import { inject } from 'vitest';
import { type RealCluster, realCluster } from './real-cluster.js';

/** The real cluster the integration suite's global setup started (real-cluster-setup.ts). */
export function suiteCluster(): RealCluster {
  const provided = inject('realCluster');
  if ('unavailable' in provided) throw new Error(`No real cluster for this test: ${provided.unavailable}`);
  return realCluster(provided);
}
