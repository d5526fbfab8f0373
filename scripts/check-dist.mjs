// Fails when the committed dist/ is not exactly what the source builds to.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const outdir = mkdtempSync(join(tmpdir(), 'shadowgate-dist-'));
try {
  execFileSync(process.execPath, ['scripts/bundle.mjs', '--outdir', outdir], { stdio: 'inherit' });
  try {
    execFileSync('diff', ['-r', '-q', 'dist', outdir], { stdio: 'inherit' });
  } catch {
    console.error(
      'dist/ differs from what `npm run bundle` builds from this source: run it and commit dist/.',
    );
    process.exit(1);
  }
  console.log('dist/ matches the source.');
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
