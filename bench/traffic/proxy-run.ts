// The mirroring proxy in its own process, for bench/traffic.ts:
//   tsx bench/traffic/proxy-run.ts '{"liveUrl": "...", "darkUrl": "...", "percent": 100}'
// Prints its URL on the first line, then runs until killed.
import { MirrorProxy } from '../../src/traffic/mirror-proxy.js';

const { liveUrl, darkUrl, percent } = JSON.parse(process.argv[2] ?? '{}') as {
  liveUrl: string;
  darkUrl: string;
  percent: number;
};
const proxy = await MirrorProxy.start({
  liveUrl,
  darkUrl,
  percent,
  unsafeMethods: false,
  port: 0,
  timeoutMs: 10_000,
  now: Date.now,
});
console.log(proxy.url);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
