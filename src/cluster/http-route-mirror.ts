import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigurationError } from '../core/configuration-error.js';
import type { ServicePort } from './target.js';

/**
 * The parts of a Gateway API v1 HTTPRoute that mirroring reads and writes. Every other field is kept as it is,
 * which the index signatures let through untouched.
 */
export interface BackendRef {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
  readonly [field: string]: unknown;
}

export interface RequestMirror {
  readonly backendRef: BackendRef;
  readonly percent?: number;
  readonly fraction?: { readonly numerator: number; readonly denominator: number };
}

export interface HttpRouteFilter {
  readonly type: string;
  readonly requestMirror?: RequestMirror;
  readonly [field: string]: unknown;
}

export interface HttpRouteRule {
  readonly backendRefs?: readonly BackendRef[];
  readonly filters?: readonly HttpRouteFilter[];
  readonly [field: string]: unknown;
}

export interface HttpRoute extends KubernetesObject {
  spec?: { readonly rules?: readonly HttpRouteRule[]; readonly [field: string]: unknown };
}

/** Does this backendRef send traffic to the Service `service` in the route's own namespace? */
export function refersToService(ref: BackendRef, service: string, routeNamespace: string): boolean {
  return (
    (ref.group ?? '') === '' &&
    (ref.kind ?? 'Service') === 'Service' &&
    ref.name === service &&
    (ref.namespace ?? routeNamespace) === routeNamespace
  );
}

/**
 * The route with a RequestMirror filter to `dark` added to every rule whose backendRefs serve the live Service.
 * Existing filters stay as they are; a rule that already mirrors to `dark` is left alone, so applying it twice
 * changes nothing. Throws when no rule serves the live Service, naming what the rules do serve.
 */
export function withRequestMirror(
  route: HttpRoute,
  liveService: string,
  dark: ServicePort,
  percent: number,
): HttpRoute {
  const namespace = route.metadata?.namespace ?? '';
  const rules = route.spec?.rules ?? [];
  const serving = (rule: HttpRouteRule) =>
    (rule.backendRefs ?? []).find((ref) => refersToService(ref, liveService, namespace));
  if (!rules.some(serving)) {
    const backends = [...new Set(rules.flatMap((rule) => (rule.backendRefs ?? []).map((ref) => ref.name)))];
    throw new ConfigurationError(
      'http-route',
      `HTTPRoute "${route.metadata?.name}" in namespace "${namespace}" has no rule whose backendRefs include ` +
        `Service "${liveService}", so there is no live traffic to mirror; its rules send traffic to ` +
        (backends.length > 0 ? backends.map((name) => `"${name}"`).join(', ') : 'no backend at all'),
      'http-route: <the HTTPRoute with a rule whose backendRefs name the service>',
    );
  }
  return {
    ...route,
    spec: {
      ...route.spec,
      rules: rules.map((rule) => {
        const live = serving(rule);
        if (!live) return rule;
        const filters = rule.filters ?? [];
        if (filters.some((filter) => mirrorsTo(filter, dark.name, namespace))) return rule;
        // The dark Service has the live Service's ports, so the live backend's port reaches the same listener.
        const backendRef = { name: dark.name, port: live.port ?? dark.port };
        const mirror: HttpRouteFilter = {
          type: 'RequestMirror',
          requestMirror: { backendRef, ...mirrorShare(percent) },
        };
        return { ...rule, filters: [...filters, mirror] };
      }),
    },
  };
}

function mirrorsTo(filter: HttpRouteFilter, service: string, namespace: string): boolean {
  const ref = filter.type === 'RequestMirror' ? filter.requestMirror?.backendRef : undefined;
  return ref !== undefined && refersToService(ref, service, namespace);
}

/**
 * `percent` takes whole numbers only (int32 0–100); a fractional share such as 0.5 % becomes an exact
 * `fraction`, which implementations convert back to the same percentage.
 */
export function mirrorShare(percent: number): Pick<RequestMirror, 'percent' | 'fraction'> {
  if (Number.isInteger(percent)) return { percent };
  const decimals = Math.min(6, (String(percent).split('.')[1] ?? '').length);
  const scale = 10 ** decimals;
  return { fraction: { numerator: Math.round(percent * scale), denominator: 100 * scale } };
}
