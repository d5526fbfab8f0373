#!/usr/bin/env node
// `shadowgate` (package.json `bin`). The Node.js check comes before anything else loads, so an old Node gets
// one clear line and exit status 3 instead of a stack trace from a dependency.
import { CLI_REMEDY, nodeVersionProblem } from './runtime-guard.js';

const problem = nodeVersionProblem(process.versions.node, CLI_REMEDY);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 3;
} else {
  const { cli } = await import('./cli-main.js');
  process.exitCode = await cli(process.argv.slice(2));
}
