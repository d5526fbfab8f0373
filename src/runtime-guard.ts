/**
 * The oldest Node.js Shadowgate runs on. The bundled undici 8 (@kubernetes/client-node's HTTP client) calls
 * zlib.createZstdDecompress as it loads, which Node 20 lacks (undici itself declares >= 22.19); the action
 * declares runs.using: node24, and the tests run on 24. The entries check this before loading anything else,
 * so an older Node gets one line saying so instead of a stack trace from deep inside a dependency.
 */
export const MINIMUM_NODE_MAJOR = 24;

/** How to get a Node.js that can run the action, for a runner (act, some self-hosted set-ups) that runs `node` from PATH. */
export const ACTION_REMEDY =
  'GitHub runs the action on its own Node.js 24 (runs.using: node24, runner v2.327.1 or newer); where the node ' +
  'on PATH runs it (act, some self-hosted set-ups), put Node.js 24 first on PATH, e.g. with actions/setup-node ' +
  'and node-version: 24.';

export const CLI_REMEDY =
  'Install Node.js 24 or newer (https://nodejs.org/en/download, or actions/setup-node with node-version: 24 in a workflow).';

/** Why `version` (process.versions.node, e.g. `20.20.2`) cannot run Shadowgate, in one line; undefined if it can. */
export function nodeVersionProblem(version: string, remedy: string): string | undefined {
  const major = Number.parseInt(version.replace(/^v/, ''), 10);
  if (major >= MINIMUM_NODE_MAJOR) return undefined;
  return `Shadowgate needs Node.js ${MINIMUM_NODE_MAJOR} or newer, but runs on Node.js ${version}. ${remedy}`;
}

/**
 * A workflow command line (`::error::…`), written by hand: @actions/core would load the HTTP client this
 * guard runs before.
 */
export function workflowCommand(command: 'error' | 'warning', message: string): string {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::${command}::${data}\n`;
}
