import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HttpRoute, mirrorShare, withRequestMirror } from '../../../src/cluster/http-route-mirror.js';

const headerFilter = {
  type: 'RequestHeaderModifier',
  requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }] },
};
const userMirror = {
  type: 'RequestMirror',
  requestMirror: { backendRef: { name: 'audit', port: 9000 } },
};

const route: HttpRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'shop', namespace: 'shop' },
  spec: {
    parentRefs: [{ name: 'gateway' }],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/cart' } }],
        backendRefs: [{ name: 'cart', port: 80 }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/checkout' } }],
        filters: [headerFilter, userMirror],
        backendRefs: [{ group: '', kind: 'Service', name: 'checkout', port: 8080, weight: 1 }],
      },
      { backendRefs: [{ name: 'checkout', namespace: 'other', port: 80 }] },
      { backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'checkout' }] },
    ],
  },
};
const dark = { name: 'checkout-abc', port: 80 };

describe('withRequestMirror', () => {
  const mirrored = withRequestMirror(route, 'checkout', dark, 40);
  const rules = mirrored.spec?.rules ?? [];

  it('appends a RequestMirror with percent to the rule that serves the live Service, on the live port', () => {
    expect(rules[1]?.filters).toEqual([
      headerFilter,
      userMirror,
      {
        type: 'RequestMirror',
        requestMirror: { backendRef: { name: 'checkout-abc', port: 8080 }, percent: 40 },
      },
    ]);
    expect(rules[1]?.backendRefs).toEqual(route.spec?.rules?.[1]?.backendRefs);
  });

  it('leaves other rules, other namespaces, other kinds and the rest of the route as they were', () => {
    expect(rules[0]).toBe(route.spec?.rules?.[0]);
    expect(rules[2]).toBe(route.spec?.rules?.[2]);
    expect(rules[3]).toBe(route.spec?.rules?.[3]);
    expect(mirrored.spec?.parentRefs).toEqual([{ name: 'gateway' }]);
    expect(route.spec?.rules?.[1]?.filters).toHaveLength(2);
  });

  it('changes nothing when applied twice', () => {
    expect(withRequestMirror(mirrored, 'checkout', dark, 40)).toEqual(mirrored);
  });

  it('uses the dark port when the live backend names none', () => {
    const portless: HttpRoute = { ...route, spec: { rules: [{ backendRefs: [{ name: 'checkout' }] }] } };
    const filters = withRequestMirror(portless, 'checkout', dark, 5).spec?.rules?.[0]?.filters;
    expect(filters?.[0]?.requestMirror?.backendRef).toEqual({ name: 'checkout-abc', port: 80 });
  });

  it('names what the rules serve when none serves the live Service', () => {
    expect(() => withRequestMirror(route, 'payments', dark, 40)).toThrow(
      'HTTPRoute "shop" in namespace "shop" has no rule whose backendRefs include Service "payments", so there is ' +
        'no live traffic to mirror; its rules send traffic to "cart", "checkout"',
    );
  });
});

describe('mirrorShare', () => {
  it('keeps whole percentages and turns fractional ones into an exact fraction', () => {
    expect(mirrorShare(40)).toEqual({ percent: 40 });
    expect(mirrorShare(0.5)).toEqual({ fraction: { numerator: 5, denominator: 1000 } });
    expect(mirrorShare(12.25)).toEqual({ fraction: { numerator: 1225, denominator: 10000 } });
  });

  it('always denotes the same share within the CRD limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (thousandths) => {
        const percent = thousandths / 1000;
        const share = mirrorShare(percent);
        const value =
          share.percent ?? (100 * (share.fraction?.numerator ?? 0)) / (share.fraction?.denominator ?? 1);
        expect(value).toBeCloseTo(percent, 9);
        if (share.fraction) expect(share.fraction.numerator).toBeLessThanOrEqual(share.fraction.denominator);
      }),
    );
  });
});
