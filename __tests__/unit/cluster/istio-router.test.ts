import { describe, expect, it } from 'vitest';
import {
  namesService,
  type VirtualService,
  withMirror,
  withRouteMirror,
} from '../../../src/cluster/istio-router.js';

const dark = { host: 'checkout-dark-private.shop.svc.cluster.local', port: { number: 80 } };

describe('namesService', () => {
  it.each([
    ['checkout', true],
    ['checkout.shop', true],
    ['checkout.shop.svc', true],
    ['checkout.shop.svc.cluster.local', true],
    ['checkout.shop.svc.corp.internal', true],
    ['checkout.other.svc.cluster.local', false],
    ['checkout-v2.shop.svc.cluster.local', false],
    ['checkout.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(namesService(host, 'checkout', 'shop')).toBe(expected);
  });
});

describe('withRouteMirror', () => {
  it('adds mirror and mirrorPercentage, and drops the deprecated mirrorPercent', () => {
    expect(withRouteMirror({ route: [], mirrorPercent: 5 }, dark, 40)).toEqual({
      route: [],
      mirror: dark,
      mirrorPercentage: { value: 40 },
    });
  });

  it("keeps the user's own mirror by moving both into mirrors, never emitting mirror and mirrors together", () => {
    const audit = { host: 'audit' };
    const result = withRouteMirror({ mirror: audit, mirrorPercentage: { value: 5 } }, dark, 40);
    expect(result).toEqual({
      mirrors: [
        { destination: audit, percentage: { value: 5 } },
        { destination: dark, percentage: { value: 40 } },
      ],
    });
    expect(withRouteMirror({ mirror: audit, mirrorPercent: 7 }, dark, 40).mirrors?.[0]).toEqual({
      destination: audit,
      percentage: { value: 7 },
    });
  });

  it('appends to an existing mirrors list', () => {
    const result = withRouteMirror({ mirrors: [{ destination: { host: 'audit' } }] }, dark, 10);
    expect(result).toEqual({
      mirrors: [{ destination: { host: 'audit' } }, { destination: dark, percentage: { value: 10 } }],
    });
    expect(result).not.toHaveProperty('mirror');
  });
});

describe('withMirror', () => {
  const vs = (http: NonNullable<VirtualService['spec']>['http']): VirtualService => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'routes', namespace: 'shop' },
    spec: { hosts: ['shop.example.com'], http },
  });

  it('mirrors every route that sends traffic to the live service, in any host form', () => {
    const { virtualService, routes } = withMirror(
      vs([
        {
          match: [{ uri: { prefix: '/api' } }],
          route: [{ destination: { host: 'checkout.shop.svc.cluster.local' } }],
        },
        { match: [{ uri: { prefix: '/cart' } }], route: [{ destination: { host: 'cart' } }] },
        { route: [{ destination: { host: 'checkout' }, weight: 100 }] },
      ]),
      ['checkout-00001', 'checkout'],
      dark,
      25,
      false,
    );
    expect(routes).toBe(2);
    expect(virtualService.spec?.http?.map((route) => route.mirrorPercentage?.value)).toEqual([
      25,
      undefined,
      25,
    ]);
  });

  it('takes the single route of a VirtualService named explicitly even when it routes through a gateway', () => {
    const gateway = vs([
      { route: [{ destination: { host: 'knative-local-gateway.istio-system.svc.cluster.local' } }] },
    ]);
    expect(withMirror(gateway, ['checkout'], dark, 40, true).routes).toBe(1);
    expect(withMirror(gateway, ['checkout'], dark, 40, false).routes).toBe(0);
  });
});
