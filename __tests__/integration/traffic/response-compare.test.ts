import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_IGNORED_HEADERS,
  DEFAULT_SECRET_NAMES,
  parseIgnoreRules,
} from '../../../src/config/compare-values.js';
import { RESPONSE_MISMATCH_RATE } from '../../../src/core/builtin-metrics.js';
import type { CompareConfig } from '../../../src/core/traffic-config.js';
import { BuiltinSource } from '../../../src/metrics/builtin-source.js';
import { MirrorProxy, type MirrorProxyOptions } from '../../../src/traffic/mirror-proxy.js';
import { type SampleApp, startSampleApp } from '../../support/sample-app.js';

// The builtin proxy comparing the answers of samples/app versions with known differences: live, a second copy of
// live, and dark versions that change one field, every run on real processes on 127.0.0.1.

const shop = (name: string, ...extra: string[]) => startSampleApp(['--name', name, '--shop', ...extra]);
let live: SampleApp;
let replica: SampleApp;
let priceChanged: SampleApp;
let renamed: SampleApp;

beforeAll(async () => {
  [live, replica, priceChanged, renamed] = await Promise.all([
    shop('live'),
    shop('replica', '--seed', '3'),
    shop('dark', '--seed', '2', '--change', 'GET /products/42 $.price=21.99'),
    // A field renamed in the cart: `total` is gone, `sum` is new.
    shop('dark-renamed', '--change', 'GET /cart $.total=', '--change', 'GET /cart $.sum=28.99'),
  ]);
});

afterAll(async () => {
  await Promise.all([live, replica, priceChanged, renamed].map((app) => app?.stop()));
});

function compareConfig(ignore: string[] = []): CompareConfig {
  const rules = parseIgnoreRules(ignore, 'compare-ignore');
  return {
    ignorePaths: rules.paths,
    ignoreHeaders: [...DEFAULT_IGNORED_HEADERS, ...rules.headers],
    maxBodyBytes: 1024 * 1024,
    bodies: 'bytes',
    secretNames: [...DEFAULT_SECRET_NAMES],
  };
}

async function withProxy<T>(options: Partial<MirrorProxyOptions>, use: (proxy: MirrorProxy) => Promise<T>) {
  const proxy = await MirrorProxy.start({
    liveUrl: live.url,
    darkUrl: priceChanged.url,
    percent: 100,
    unsafeMethods: false,
    port: 0,
    timeoutMs: 5_000,
    now: Date.now,
    ...options,
  });
  try {
    return await use(proxy);
  } finally {
    await proxy.close();
  }
}

/** 200 requests: one in five is GET /products/42, the rest the catalogue, other products and the cart. */
const PATHS = Array.from({ length: 200 }, (_, i) =>
  i % 5 === 0 ? '/products/42' : ['/products', '/products/7', '/cart', '/products/13'][i % 4],
) as string[];

async function send(url: string, paths: readonly string[]): Promise<string[]> {
  const pool = new Pool(url, { connections: 8 });
  const bodies: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < paths.length) {
        const path = paths[next++] as string;
        const response = await pool.request({ method: 'GET', path });
        bodies.push(await response.body.text());
      }
    }),
  );
  await pool.close();
  return bodies;
}

async function mismatchRate(proxy: MirrorProxy, version: 'dark' | 'live') {
  const reading = await new BuiltinSource(proxy.log).read({
    metric: RESPONSE_MISMATCH_RATE,
    version,
    window: { start: 0, end: Date.now() },
  });
  return reading;
}

const summaryOf = (proxy: MirrorProxy) => {
  const codes = proxy.log.codes();
  return proxy.log.book?.summary(codes.dark, codes.replica, 1024 * 1024);
};

describe('response comparison through the mirroring proxy', () => {
  it('with a live replica: one changed price, named, at exactly its share; the noise learned, live at 0', async () => {
    await withProxy({ replicaUrl: replica.url, compare: compareConfig(['$..servedAt']) }, async (proxy) => {
      const bodies = await send(proxy.url, PATHS);
      // The client got live's answers: live's price.
      expect(bodies.filter((body) => body.includes('"price":21.99'))).toEqual([]);
      await vi.waitFor(() => expect(proxy.log.size).toBe(200));
      // Every pair compared, no body is held any more.
      expect(proxy.captured.heldBytes).toBe(0);
      expect(await mismatchRate(proxy, 'dark')).toMatchObject({
        status: 'ok',
        value: 40 / 200,
        evidence: { kind: 'counts', events: 40, trials: 200 },
      });
      expect(await mismatchRate(proxy, 'live')).toMatchObject({
        status: 'ok',
        value: 0,
        evidence: { trials: 200 },
      });
      const summary = summaryOf(proxy);
      expect(summary?.fields).toEqual([
        {
          field: '$.price',
          requests: 40,
          replicaRequests: 0,
          example: {
            request: 'GET /products/42',
            at: '$.price',
            kind: 'changed',
            live: '28.99',
            dark: '21.99',
          },
        },
      ]);
      // traceId differs in every answer of every copy; x-request-id is ignored by default, servedAt by the rule.
      expect(summary?.noise.map((field) => [field.field, field.requests, field.replicaRequests])).toEqual([
        ['$.traceId', 200, 200],
      ]);
    });
  });

  it('without a replica nor rules, the noise counts: every answer differs, on servedAt and traceId', async () => {
    await withProxy({ compare: compareConfig() }, async (proxy) => {
      await send(proxy.url, PATHS);
      await vi.waitFor(() => expect(proxy.log.size).toBe(200));
      expect(await mismatchRate(proxy, 'dark')).toMatchObject({ value: 1 });
      expect(await mismatchRate(proxy, 'live')).toMatchObject({
        status: 'no-data',
        reason: expect.stringContaining('configure traffic.liveReplica'),
      });
      const fields = Object.fromEntries(
        summaryOf(proxy)?.fields.map((field) => [field.field, field.requests]) ?? [],
      );
      // servedAt has millisecond resolution: two copies answering in the same millisecond agree on it.
      expect(fields).toEqual({ '$.traceId': 200, '$.price': 40, '$.servedAt': expect.any(Number) });
      expect(fields['$.servedAt']).toBeGreaterThan(0);
    });
  });

  it('a renamed field shows as one missing and one added field, on the cart only', async () => {
    await withProxy(
      { darkUrl: renamed.url, compare: compareConfig(['$.servedAt', '$.traceId']) },
      async (proxy) => {
        await send(proxy.url, PATHS);
        await vi.waitFor(() => expect(proxy.log.size).toBe(200));
        const carts = PATHS.filter((path) => path === '/cart').length;
        expect(await mismatchRate(proxy, 'dark')).toMatchObject({ value: carts / 200 });
        expect(
          summaryOf(proxy)?.fields.map((field) => [field.field, field.requests, field.example?.kind]),
        ).toEqual([
          ['$.total', carts, 'missing'],
          ['$.sum', carts, 'added'],
        ]);
      },
    );
  });

  it('does not compare bodies over the bound, and counts them', async () => {
    const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(4096) }));
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': big.length });
      response.end(big);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await withProxy(
        { liveUrl: url, darkUrl: url, compare: { ...compareConfig(), maxBodyBytes: 1024 } },
        async (proxy) => {
          const bodies = await send(proxy.url, ['/a', '/b', '/c']);
          // The client still gets the whole body.
          expect(bodies.map((body) => body.length)).toEqual([big.length, big.length, big.length]);
          await vi.waitFor(() => expect(proxy.log.size).toBe(3));
          expect(await mismatchRate(proxy, 'dark')).toEqual({
            status: 'no-data',
            reason: "no mirrored request's dark answer was compared in the window",
          });
          expect(summaryOf(proxy)?.dark.notCompared).toEqual({
            liveNoResponse: 0,
            otherNoResponse: 0,
            overLimit: 3,
            overBudget: 0,
          });
        },
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
