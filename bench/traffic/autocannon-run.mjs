// One autocannon run in its own process, for bench/traffic.ts:
//   node bench/traffic/autocannon-run.mjs '{"url": "...", "connections": 64, "durationMs": 5000}'
// Prints one JSON line: requests per second, requests completed and this process's CPU time.
import autocannon from 'autocannon';

const { url, connections, durationMs } = JSON.parse(process.argv[2] ?? '{}');
const cpuBefore = process.cpuUsage();
const result = await autocannon({ url, connections, duration: durationMs / 1000 });
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    completed: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }),
);
