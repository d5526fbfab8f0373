// The load Job's script run as its container would run it: by a POSIX sh (dash here, busybox ash in the
// curl image) with real curl, against a local server that records what arrives.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJobManifest } from '../../../src/cluster/load-job.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly note: string | undefined;
  readonly body: string;
}

const received: Received[] = [];
const server = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString('utf8');
  });
  request.on('end', () => {
    const note = request.headers['x-note'];
    received.push({
      method: request.method ?? '',
      url: request.url ?? '',
      note: typeof note === 'string' ? note : undefined,
      body,
    });
    response.end('ok');
  });
});

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the load Job script', () => {
  it('sends the weighted requests, with their methods, headers and bodies, at about the rate', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const job = loadJobManifest(
      {
        image: 'curlimages/curl:8.11.1',
        url,
        ratePerSecond: 20,
        requests: [
          { method: 'GET', path: '/products?page=1', headers: {}, weight: 1 },
          {
            method: 'POST',
            path: '/cart',
            headers: { 'X-Note': "it's $HOME" },
            body: '{"sku":"`id`"}',
            weight: 1,
          },
        ],
        requestTimeoutMs: 2_000,
        runSeconds: 2,
      },
      { namespace: 'shop', service: 'checkout', runId: 'test' },
    );
    const container = job.spec?.template.spec?.containers[0];
    const [shell = '', ...args] = container?.command ?? [];
    const child = spawn(shell, args, {
      env: { PATH: process.env.PATH, SHADOWGATE_LOAD_URL: url },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(-(child.pid ?? 0), 'SIGKILL');

    // 2 s at 20/s is 40 requests; a loaded machine forks more slowly, so only the order of magnitude is checked.
    expect(received.length).toBeGreaterThanOrEqual(20);
    expect(received.length).toBeLessThanOrEqual(42);
    const gets = received.filter((request) => request.method === 'GET');
    const posts = received.filter((request) => request.method === 'POST');
    expect(gets.length + posts.length).toBe(received.length);
    expect(Math.abs(gets.length - posts.length)).toBeLessThanOrEqual(2);
    expect(new Set(gets.map((request) => request.url))).toEqual(new Set(['/products?page=1']));
    // Quoted for the shell: no variable expanded, no command substituted.
    expect(posts[0]).toEqual({ method: 'POST', url: '/cart', note: "it's $HOME", body: '{"sku":"`id`"}' });
    // Each curl prints the status and the time it took.
    expect(output).toMatch(/^200 \d+\.\d+$/m);
  });

  it("ends at once on SIGTERM as its container's PID 1, as the kubelet stops it when cleanup deletes the Job", async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const job = loadJobManifest(
      {
        image: 'curlimages/curl:8.11.1',
        url,
        ratePerSecond: 20,
        requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
        requestTimeoutMs: 2_000,
        runSeconds: 60,
      },
      { namespace: 'shop', service: 'checkout', runId: 'test' },
    );
    const command = job.spec?.template.spec?.containers[0]?.command ?? [];
    // A PID namespace of its own: PID 1 gets no default signal action, so an untrapped SIGTERM does nothing (the
    // kubelet would wait out the grace period, 30 s, while the load goes on).
    const unshare = spawn('unshare', ['--pid', '--fork', '--kill-child', ...command], {
      env: { PATH: process.env.PATH, SHADOWGATE_LOAD_URL: url },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => unshare.once('exit', (code) => resolve(code)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const shell = readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim();
      process.kill(Number(shell), 'SIGTERM');
      const ended = await Promise.race([
        exited,
        new Promise((resolve) => setTimeout(() => resolve('running'), 3_000)),
      ]);
      expect(ended).not.toBe('running');
    } finally {
      unshare.kill('SIGKILL');
    }
  });
});
