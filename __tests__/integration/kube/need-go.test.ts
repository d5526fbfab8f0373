// testenv/need-go.sh, which every provision script sources: without Go on PATH, a build that is not cached yet stops
// at once with the part, what it would build and how to get Go; with Go there, it goes on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(join(tmpdir(), 'shadowgate-need-go-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** PATH with bash and coreutils but not Go (which lives in /usr/local/go/bin or ~/go/bin, never in these). */
const WITHOUT_GO = { ...process.env, PATH: '/usr/bin:/bin', XDG_CACHE_HOME: scratch };

describe('need_go', () => {
  it('stops an uncached go-binary.sh build, naming the binary and how to install Go', () => {
    const run = spawnSync(
      'bash',
      ['testenv/go-binary.sh', 'testenv/act', 'demo', 'v1.2.3', 'example.com/cmd/demo'],
      {
        encoding: 'utf8',
        env: WITHOUT_GO,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'testenv/demo: Go is not installed, and the integration tests need it to build demo v1.2.3.',
    );
    expect(run.stderr).toContain('Install Go 1.26 or newer (https://go.dev/doc/install');
    expect(run.stdout).not.toContain('building');
  });

  it('returns when Go is on PATH', () => {
    const script = 'source testenv/need-go.sh; need_go cluster "the node binaries"; echo went on';
    const run = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: { ...WITHOUT_GO, PATH: `${scratch}/bin:/usr/bin:/bin` },
    });
    expect(run.stderr).toContain('testenv/cluster: Go is not installed');
    spawnSync('bash', [
      '-c',
      `mkdir -p ${scratch}/bin && printf '#!/bin/sh\\n' >${scratch}/bin/go && chmod +x ${scratch}/bin/go`,
    ]);
    const withGo = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: { ...WITHOUT_GO, PATH: `${scratch}/bin:/usr/bin:/bin` },
    });
    expect(withGo.status, withGo.stderr).toBe(0);
    expect(withGo.stdout.trim()).toBe('went on');
  });
});
