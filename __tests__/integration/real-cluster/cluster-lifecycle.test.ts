// testenv/cluster/cluster.sh itself: a cluster whose owner dies is stopped by its watchdog, a crashed run's
// cluster (owner and watchdog killed) is swept by the next start, and either way the host ends as it was. It stops
// the suite's cluster for that, and starts it again for the files after it, owned by the suite as before.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { footprintDiff, hostFootprint } from '../../support/host-footprint.js';
import { startRealCluster, stopRealCluster, until } from '../../support/real-cluster.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const RUN = '/run/shadowgate-cluster';
const suiteOwner = Number(readFileSync(`${RUN}/owner`, 'utf8'));
suiteCluster(); // fails here, with the reason, where the host cannot run the cluster

/** A process to own a cluster, killed by the test. */
function owner(): ChildProcess {
  return spawn('sleep', ['600'], { stdio: 'ignore' });
}

afterAll(async () => {
  // The files after this one get a cluster again, owned by the suite's main process as before (suiteCluster()
  // reads the new certificates).
  await startRealCluster(suiteOwner);
}, 120_000);

describe('cluster.sh', () => {
  it('stops the cluster when its owner dies, leaving the host as before the start', async () => {
    await stopRealCluster();
    const before = await hostFootprint();
    const process = owner();
    const info = await startRealCluster(process.pid);
    expect(info.server).toBe('https://127.0.0.1:6443');
    process.kill('SIGKILL');
    await until(
      'the watchdog stopping the cluster',
      60_000,
      async () => footprintDiff(before, await hostFootprint()).length === 0,
    );
  });

  it('sweeps a crashed run (owner and watchdog killed) at the next start, and the stop leaves the host as before', async () => {
    const before = await hostFootprint();
    const process = owner();
    await startRealCluster(process.pid);
    // The whole run dies at once: its watchdog too.
    const watchdog = Number(readFileSync(`${RUN}/watchdog`, 'utf8'));
    globalThis.process.kill(watchdog, 'SIGKILL');
    process.kill('SIGKILL');
    const crashed = await hostFootprint();
    expect(footprintDiff(before, crashed).some((line) => line.includes('process kube-apiserver'))).toBe(true);

    await startRealCluster(globalThis.process.pid);
    await stopRealCluster();
    expect(footprintDiff(before, await hostFootprint())).toEqual([]);
  });
});
