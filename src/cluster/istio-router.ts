import type { KubernetesObject } from '@kubernetes/client-node';
import type { IstioRouterConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type { ChangeJournal } from './change-journal.js';
import type { ClusterContext } from './cluster-context.js';
import { ClusterError } from './cluster-error.js';
import { activatorHeaders, type KnativeService, knativeServiceRef } from './knative-resources.js';
import type { ObjectRef } from './kube-api.js';
import { changeObject } from './object-change.js';
import { MANAGED_BY, MANAGED_BY_LABEL, ownershipLabels } from './ownership.js';
import type { DarkVersion, Router, ServicePort } from './target.js';

const API_VERSION = 'networking.istio.io/v1';
const KNATIVE_LOCAL_GATEWAY = 'knative-local-gateway.istio-system.svc.cluster.local';

interface Destination {
  host: string;
  subset?: string;
  port?: { number: number };
}

interface HttpRoute {
  name?: string;
  match?: unknown[];
  route?: { destination?: Destination; weight?: number; headers?: unknown }[];
  mirror?: Destination;
  mirrorPercentage?: { value: number };
  /** Deprecated since Istio 1.5 but still honoured; never written by Shadowgate. */
  mirrorPercent?: number;
  /** Istio 1.19+; istiod rejects a route with both `mirror` and `mirrors`. */
  mirrors?: { destination: Destination; percentage?: { value: number } }[];
  [field: string]: unknown;
}

export interface VirtualService extends KubernetesObject {
  spec?: { hosts?: string[]; gateways?: string[]; http?: HttpRoute[]; [field: string]: unknown };
}

/** The Service's in-cluster FQDN, the form Istio recommends for destinations. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** True when `host` names Service `name` in `namespace`: short, `name.ns`, `name.ns.svc`, or FQDN (any domain). */
export function namesService(host: string, name: string, namespace: string): boolean {
  return (
    host === name ||
    host === `${name}.${namespace}` ||
    host === `${name}.${namespace}.svc` ||
    host.startsWith(`${name}.${namespace}.svc.`)
  );
}

function routesTo(route: HttpRoute, services: readonly string[], namespace: string): boolean {
  return (route.route ?? []).some((entry) =>
    services.some((service) => namesService(entry.destination?.host ?? '', service, namespace)),
  );
}

/**
 * Adds the mirror to one route. A route that already mirrors elsewhere keeps its mirror: both go into `mirrors`
 * (Istio 1.19+), because istiod rejects `mirror` and `mirrors` together.
 */
export function withRouteMirror(route: HttpRoute, destination: Destination, percent: number): HttpRoute {
  const ours = { destination, percentage: { value: percent } };
  if (route.mirrors) return { ...route, mirrors: [...route.mirrors, ours] };
  const { mirror, mirrorPercentage, mirrorPercent, ...rest } = route;
  if (mirror) {
    const percentage =
      mirrorPercentage ?? (mirrorPercent === undefined ? undefined : { value: mirrorPercent });
    return { ...rest, mirrors: [{ destination: mirror, ...(percentage ? { percentage } : {}) }, ours] };
  }
  return { ...rest, mirror: destination, mirrorPercentage: { value: percent } };
}

/**
 * The VirtualService with the mirror added to every HTTP route that sends traffic to one of `services`. When it
 * was named explicitly and has a single HTTP route that goes elsewhere (e.g. the Knative local gateway), that route
 * is the one. Returns how many routes changed; 0 means none serves the live version.
 */
export function withMirror(
  virtualService: VirtualService,
  services: readonly string[],
  destination: Destination,
  percent: number,
  named: boolean,
): { virtualService: VirtualService; routes: number } {
  const namespace = virtualService.metadata?.namespace ?? '';
  const http = virtualService.spec?.http ?? [];
  let targets = http.map((route) => routesTo(route, services, namespace));
  if (named && !targets.includes(true) && http.length === 1) targets = [true];
  return {
    virtualService: {
      ...virtualService,
      spec: {
        ...virtualService.spec,
        http: http.map((route, index) =>
          targets[index] ? withRouteMirror(route, destination, percent) : route,
        ),
      },
    },
    routes: targets.filter(Boolean).length,
  };
}

/**
 * Istio: mirrors a share of the live traffic to the dark version with `mirror` + `mirrorPercentage`
 * (networking.istio.io/v1). For Knative the mirror goes straight to the dark revision's private Service, which
 * works whatever Istio does with the mirrored Host header (1.28+ no longer appends `-shadow`).
 */
export class IstioRouter implements Router {
  readonly description: string;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly config: IstioRouterConfig,
  ) {
    this.description = `Istio VirtualService (${config.mode}) mirroring ${config.percent}% to the dark version`;
  }

  async mirror(dark: DarkVersion, journal: ChangeJournal): Promise<void> {
    if (this.config.mode === 'patch') await this.patch(dark, journal);
    else if (this.config.mode === 'dedicated') await this.dedicated(dark, journal);
    else await this.tutorial(dark, journal);
  }

  private destination(service: ServicePort): Destination {
    return { host: serviceHost(service.name, this.ctx.namespace), port: { number: service.port } };
  }

  private async patch(dark: DarkVersion, journal: ChangeJournal): Promise<void> {
    const { api, namespace, service, log } = this.ctx;
    const services = [...new Set([dark.liveService.name, service])];
    const named = this.config.virtualService;
    let chosen: VirtualService;
    if (named) {
      const found = await api.read<VirtualService>(this.ref(named));
      if (!found) {
        throw new ConfigurationError(
          'virtual-service',
          `there is no VirtualService "${named}" in namespace "${namespace}"`,
          `virtual-service: ${service}`,
        );
      }
      chosen = found;
    } else {
      chosen = await this.findRouting(services);
    }
    const name = chosen.metadata?.name ?? '';
    const destination = this.destination(dark.darkService);
    const { routes } = withMirror(chosen, services, destination, this.config.percent, Boolean(named));
    if (routes === 0) {
      const hosts = (chosen.spec?.http ?? []).flatMap((route) =>
        (route.route ?? []).map((entry) => entry.destination?.host),
      );
      throw new ConfigurationError(
        'virtual-service',
        `no HTTP route of VirtualService "${name}" sends traffic to Service "${services.join('" or "')}" ` +
          `(its destinations: ${[...new Set(hosts)].join(', ') || 'none'})`,
        `virtual-service: ${service}`,
      );
    }
    await changeObject<VirtualService>(
      this.ctx,
      journal,
      this.ref(name),
      (current) =>
        withMirror(current, services, destination, this.config.percent, Boolean(named)).virtualService,
    );
    log(
      `VirtualService "${name}" mirrors ${this.config.percent}% of ${routes} route(s) to ${destination.host}:${dark.darkService.port}`,
    );
  }

  /** The one VirtualService in the namespace that routes to the live Service. Controller-owned ones are skipped. */
  private async findRouting(services: readonly string[]): Promise<VirtualService> {
    const { api, namespace } = this.ctx;
    const all = await api.list<VirtualService>(API_VERSION, 'VirtualService', namespace);
    const routing = all.filter(
      (vs) =>
        vs.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY &&
        // Knative's net-istio and other controllers own theirs and would undo the change.
        (vs.metadata?.ownerReferences ?? []).length === 0 &&
        (vs.spec?.http ?? []).some((route) => routesTo(route, services, namespace)),
    );
    const [only] = routing;
    if (!only || routing.length > 1) {
      throw new ConfigurationError(
        'virtual-service',
        routing.length === 0
          ? `no VirtualService in namespace "${namespace}" routes HTTP traffic to Service "${services.join('" or "')}"; ` +
              'name the one to patch, or let Shadowgate create its own with istio-mode: dedicated'
          : `several VirtualServices in namespace "${namespace}" route to Service "${services.join('" or "')}" ` +
              `(${routing.map((vs) => `"${vs.metadata?.name}"`).join(', ')}); name the one to patch`,
        `virtual-service: ${routing[0]?.metadata?.name ?? this.ctx.service}`,
      );
    }
    return only;
  }

  /** Shadowgate's own VirtualService for the service's host: everything to live, a share mirrored to dark. */
  private async dedicated(dark: DarkVersion, journal: ChangeJournal): Promise<void> {
    const { api, namespace, service } = this.ctx;
    const host = serviceHost(service, namespace);
    const existing = (await api.list<VirtualService>(API_VERSION, 'VirtualService', namespace)).find(
      (vs) =>
        vs.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY &&
        (vs.spec?.hosts ?? []).some((entry) => namesService(entry, service, namespace)),
    );
    if (existing) {
      throw new ConfigurationError(
        'istio-mode',
        `VirtualService "${existing.metadata?.name}" already routes host ${host}; a second one for the same host ` +
          'makes Istio pick either. Patch that one instead',
        `istio-mode: patch`,
      );
    }
    const headers = dark.liveRequestHeaders ? { headers: { request: { set: dark.liveRequestHeaders } } } : {};
    await this.create(journal, `${service}-shadowgate`, {
      hosts: [host],
      http: [
        {
          route: [{ destination: this.destination(dark.liveService), ...headers }],
          ...withRouteMirror({}, this.destination(dark.darkService), this.config.percent),
        },
      ],
    });
  }

  /**
   * The Iter8 tutorial's layout: a VirtualService on the ingress gateways mirrors to the Knative local gateway,
   * where a second one routes by Host, `<host>-shadow` to the dark revision. Works only where Envoy appends
   * `-shadow` to mirrored hosts, which Istio 1.28+ no longer does by default.
   */
  private async tutorial(dark: DarkVersion, journal: ChangeJournal): Promise<void> {
    const { api, namespace, service, log } = this.ctx;
    log(
      'Warning: istio-mode tutorial relies on Envoy appending "-shadow" to the Host of mirrored requests, which ' +
        'Istio 1.28 and later no longer do unless istiod runs with DISABLE_SHADOW_HOST_SUFFIX=false (or ' +
        'compatibilityVersion 1.27); otherwise the mirrored copies reach the live revision. Prefer istio-mode patch.',
    );
    const knativeService = await api.read<KnativeService>(knativeServiceRef(namespace, service));
    const url = knativeService?.status?.url;
    if (!url) {
      throw new ClusterError(
        `istio-mode tutorial needs the URL of Knative Service "${service}" in namespace "${namespace}", which has none yet`,
      );
    }
    const host = new URL(url).hostname;
    const toRevision = (revision: string, prefix: string) => ({
      match: [{ authority: { prefix } }],
      route: [
        {
          destination: { host: serviceHost(revision, namespace), port: { number: 80 } },
          headers: { request: { set: activatorHeaders(namespace, revision) } },
        },
      ],
    });
    await this.create(journal, `${service}-shadowgate-mirroring`, {
      gateways: ['mesh', 'knative-serving/knative-ingress-gateway'],
      hosts: [host],
      http: [
        {
          rewrite: { authority: host },
          route: [{ destination: { host: KNATIVE_LOCAL_GATEWAY } }],
          ...withRouteMirror({}, { host: KNATIVE_LOCAL_GATEWAY }, this.config.percent),
        },
      ],
    });
    await this.create(journal, `${service}-shadowgate-routing`, {
      gateways: ['knative-serving/knative-local-gateway'],
      hosts: ['*'],
      // The shadow prefix first: `<host>` is a prefix of `<host>-shadow`.
      http: [toRevision(dark.darkRevision, `${host}-shadow`), toRevision(dark.liveRevision, host)],
    });
  }

  private async create(journal: ChangeJournal, name: string, spec: VirtualService['spec']): Promise<void> {
    const ref = this.ref(name);
    journal.record({ action: 'created', ref });
    await this.ctx.api.create<VirtualService>({
      apiVersion: API_VERSION,
      kind: 'VirtualService',
      metadata: {
        name,
        namespace: this.ctx.namespace,
        labels: ownershipLabels(this.ctx.service, this.ctx.runId),
      },
      spec,
    });
    this.ctx.log(`Created VirtualService "${name}" mirroring ${this.config.percent}% to the dark version`);
  }

  private ref(name: string): ObjectRef {
    return { apiVersion: API_VERSION, kind: 'VirtualService', namespace: this.ctx.namespace, name };
  }
}
