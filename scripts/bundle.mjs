// Builds dist/ with esbuild: one ESM bundle per entry point, shared code split into chunks so the
// CLI and the action load only what they use. `--outdir DIR` builds elsewhere (used by check-dist).
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });

await rm(values.outdir, { recursive: true, force: true });
await build({
  entryPoints: { index: 'src/index.ts', post: 'src/post-step.ts', cli: 'src/cli.ts' },
  outdir: values.outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // Chunk hashes include module paths. Resolving a symlinked node_modules to its real place (as in a worktree
  // that links the main checkout's) would change every hash, so dist/ would differ from a plain clone's build.
  preserveSymlinks: true,
  // Some bundled CommonJS dependencies call require() for Node built-ins; ESM has no require of its own.
  banner: {
    js: "import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
