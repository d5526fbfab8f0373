import { describe, expect, it } from 'vitest';
import { loadJobManifest, loadJobName, requestCycle } from '../../../src/cluster/load-job.js';
import type { LoadJobConfig } from '../../../src/core/cluster-config.js';
import type { RequestTemplate } from '../../../src/core/traffic-config.js';

const get = (path: string, weight: number): RequestTemplate => ({ method: 'GET', path, headers: {}, weight });

const CONFIG: LoadJobConfig = {
  image: 'curlimages/curl:8.11.1',
  url: 'http://checkout.shop.svc.cluster.local',
  ratePerSecond: 40,
  requests: [get('/products', 1)],
  requestTimeoutMs: 2_500,
  runSeconds: 90,
};

describe('requestCycle', () => {
  it('holds each request in proportion to its weight', () => {
    const cycle = requestCycle([get('/a', 1), get('/b', 3)]);
    expect(cycle).toHaveLength(100);
    expect(cycle.filter((request) => request.path === '/a')).toHaveLength(25);
  });

  it('spreads them evenly, so any stretch of the cycle has about the right share', () => {
    const cycle = requestCycle([get('/a', 1), get('/b', 3)]);
    for (let start = 0; start + 8 <= cycle.length; start += 8) {
      const shareOfA = cycle.slice(start, start + 8).filter((request) => request.path === '/a').length;
      expect(shareOfA).toBeGreaterThanOrEqual(1);
      expect(shareOfA).toBeLessThanOrEqual(3);
    }
  });

  it('keeps a request whose weight rounds to nothing', () => {
    const cycle = requestCycle([get('/rare', 0.001), get('/common', 1)]);
    expect(cycle.filter((request) => request.path === '/rare')).toHaveLength(1);
  });
});

describe('loadJobManifest', () => {
  const job = loadJobManifest(CONFIG, { namespace: 'shop', service: 'checkout', runId: '42-1' });
  const container = job.spec?.template.spec?.containers[0];

  it('is labelled as Shadowgate’s, with an Istio sidecar, and ends itself after the run', () => {
    expect(job.metadata).toEqual({
      name: 'shadowgate-load-checkout',
      namespace: 'shop',
      labels: {
        'app.kubernetes.io/managed-by': 'shadowgate',
        'shadowgate.dev/target': 'checkout',
        'shadowgate.dev/run': '42-1',
      },
    });
    expect(job.spec?.template.metadata?.labels?.['sidecar.istio.io/inject']).toBe('true');
    expect(job.spec?.activeDeadlineSeconds).toBe(90 + 600);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
  });

  it('runs curl in a shell loop at the rate, against the URL from its environment', () => {
    expect(container?.image).toBe('curlimages/curl:8.11.1');
    expect(container?.env).toEqual([{ name: 'SHADOWGATE_LOAD_URL', value: CONFIG.url }]);
    const script = container?.command?.[2] ?? '';
    expect(container?.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(script).toContain('sleep 0.0250');
    expect(script).toContain(`--max-time 2.500 -X 'GET' "$SHADOWGATE_LOAD_URL"'/products' &`);
  });

  it('quotes headers and bodies for the shell', () => {
    const quoted = loadJobManifest(
      {
        ...CONFIG,
        requests: [
          {
            method: 'POST',
            path: "/cart?note=it's",
            headers: { 'X-Note': "it's $HOME" },
            body: '{"a":"`x`"}',
            weight: 1,
          },
        ],
      },
      { namespace: 'shop', service: 'checkout', runId: '42-1' },
    );
    const script = quoted.spec?.template.spec?.containers[0]?.command?.[2] ?? '';
    expect(script).toContain(
      `-X 'POST' -H 'X-Note: it'\\''s $HOME' --data-binary '{"a":"\`x\`"}' "$SHADOWGATE_LOAD_URL"'/cart?note=it'\\''s' &`,
    );
  });

  it('keeps the name within 63 characters', () => {
    expect(loadJobName('a'.repeat(60))).toHaveLength(63);
    expect(loadJobName(`${'a'.repeat(46)}-b`)).toBe(`shadowgate-load-${'a'.repeat(46)}`);
  });
});
