// testenv/cluster/cluster.sh itself: a crashed run's cluster (owner and watchdog killed) is swept by the next start,
// a cluster whose owner dies is stopped by its watchdog, and the host ends as it was. It stops
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
  // One test, two starts: the second start sweeps the crashed first, and its own owner's death stops it.
  it('sweeps a crashed run (owner and watchdog killed) at the next start, stops that cluster when its owner dies, and leaves the host as before', async () => {
    await stopRealCluster();
    const before = await hostFootprint();
    const crashedOwner = owner();
    const info = await startRealCluster(crashedOwner.pid);
    expect(info.server).toBe('https://127.0.0.1:6443');
    // The whole run dies at once: its watchdog too.
    const watchdog = Number(readFileSync(`${RUN}/watchdog`, 'utf8'));
    process.kill(watchdog, 'SIGKILL');
    crashedOwner.kill('SIGKILL');
    const crashed = await hostFootprint();
    expect(footprintDiff(before, crashed).some((line) => line.includes('process kube-apiserver'))).toBe(true);

    const nextOwner = owner();
    await startRealCluster(nextOwner.pid);
    nextOwner.kill('SIGKILL');
    // Anything of the crashed run the start did not sweep would be left after this stop.
    await until(
      'the watchdog stopping the cluster',
      60_000,
      async () => footprintDiff(before, await hostFootprint()).length === 0,
    );
  });
});
