// The mirroring proxy in its own process, for bench/traffic.ts and bench/compare.ts:
//   tsx bench/traffic/proxy-run.ts '{"liveUrl": "...", "darkUrl": "...", "percent": 100, "compare": true}'
// Prints its URL on the first line, then runs until killed. With `compare`, it compares the answers with the
// defaults (no ignore rules). Each line read on stdin is answered with one JSON line: this process's CPU time so
// far, in ms.
import { createInterface } from 'node:readline';
import { DEFAULT_IGNORED_HEADERS, DEFAULT_SECRET_NAMES } from '../../src/config/compare-values.js';
import { MirrorProxy } from '../../src/traffic/mirror-proxy.js';

const { liveUrl, darkUrl, percent, compare } = JSON.parse(process.argv[2] ?? '{}') as {
  liveUrl: string;
  darkUrl: string;
  percent: number;
  compare?: boolean;
};
const proxy = await MirrorProxy.start({
  liveUrl,
  darkUrl,
  percent,
  ...(compare
    ? {
        compare: {
          ignorePaths: [],
          ignoreHeaders: [...DEFAULT_IGNORED_HEADERS],
          maxBodyBytes: 1024 * 1024,
          bodies: 'bytes' as const,
          secretNames: [...DEFAULT_SECRET_NAMES],
        },
      }
    : {}),
  unsafeMethods: false,
  port: 0,
  timeoutMs: 10_000,
  now: Date.now,
});
console.log(proxy.url);
createInterface({ input: process.stdin }).on('line', () => {
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, compared: proxy.log.size }));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
