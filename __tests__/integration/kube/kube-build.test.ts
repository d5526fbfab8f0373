// testenv/kube/kube-build.sh's kube_build, with a stand-in `go` on PATH that writes what `go build -o dir/`
// writes (one file per package, named after its last element): the first cold build of the real cluster's node
// binaries failed in it, after the whole build, on `mv` of kubelet onto itself ("are the same file"). Run under
// `set -euo pipefail`, as provision.sh runs it.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(join(tmpdir(), 'shadowgate-kube-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FAKE_GO = `#!/usr/bin/env bash
# go build ... -o <dir>/ <packages...>, or -o <file> <package>
out=""; packages=()
while (($#)); do
  case $1 in
    -o) out=$2; shift 2 ;;
    build|-buildvcs=*|-trimpath|-ldflags=*) shift ;;
    *) packages+=("$1"); shift ;;
  esac
done
if [[ $out == */ ]]; then for p in "\${packages[@]}"; do echo "$p" >"$out$(basename "$p")"; done; else echo "\${packages[0]}" >"$out"; fi
`;

function kubeBuild(...pairs: string[]) {
  writeFileSync(join(scratch, 'go'), FAKE_GO);
  chmodSync(join(scratch, 'go'), 0o755);
  // A function, not only PATH, so that the real `go` can never run: on one full-suite run PATH found it instead
  // and the test built the real kubelet until it timed out.
  const script = `set -euo pipefail; go() { '${join(scratch, 'go')}' "$@"; }; source testenv/kube/kube-build.sh; kube_build test "" ${pairs.map((p) => `'${p}'`).join(' ')}; echo "$cache"`;
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${scratch}:${process.env.PATH}`, XDG_CACHE_HOME: join(scratch, 'cache') },
  });
  return { ...run, cache: run.stdout.trim().split('\n').at(-1) ?? '' };
}

describe('kube_build', () => {
  it('builds several packages whose binaries keep their package names, as the node binaries do', () => {
    const run = kubeBuild(
      'kubelet=k8s.io/kubernetes/cmd/kubelet',
      'kube-proxy=k8s.io/kubernetes/cmd/kube-proxy',
    );
    expect(run.status, run.stderr).toBe(0);
    for (const name of ['kubelet', 'kube-proxy']) expect(existsSync(join(run.cache, 'bin', name))).toBe(true);
  });

  it('renames a binary whose name differs from its package, and builds a single package', () => {
    const several = kubeBuild('a=example.com/cmd/one', 'b=example.com/cmd/two');
    expect(several.status, several.stderr).toBe(0);
    for (const name of ['a', 'b']) expect(existsSync(join(several.cache, 'bin', name))).toBe(true);
    const single = kubeBuild('etcd=go.etcd.io/etcd/server/v3');
    expect(single.status, single.stderr).toBe(0);
    expect(existsSync(join(single.cache, 'bin', 'etcd'))).toBe(true);
  });
});
