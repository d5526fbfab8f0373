import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MINIMUM_NODE_MAJOR } from '../../src/runtime-guard.js';

/**
 * A `node` on PATH older than Shadowgate supports (this machine's own Node 20, behind the node devDependency
 * that npm puts first), with its version; undefined when there is none.
 */
export function olderNode(): { readonly path: string; readonly version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'node');
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
    if (Number.parseInt(version, 10) < MINIMUM_NODE_MAJOR) return { path, version };
  }
  return undefined;
}
