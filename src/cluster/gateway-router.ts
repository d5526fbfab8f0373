import type { GatewayRouterConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type { ChangeJournal } from './change-journal.js';
import type { ClusterContext } from './cluster-context.js';
import { type HttpRoute, withRequestMirror } from './http-route-mirror.js';
import type { ObjectRef } from './kube-api.js';
import { changeObject } from './object-change.js';
import type { DarkVersion, Router } from './target.js';

/**
 * Gateway API: the HTTPRoute rules that send traffic to the live Service also mirror `percent` of it to the dark
 * Service through a RequestMirror filter (percent is standard since Gateway API v1.3). The route's previous
 * spec is recorded so that cleanup puts it back exactly.
 */
export class GatewayRouter implements Router {
  readonly description: string;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly config: GatewayRouterConfig,
  ) {
    this.description = `HTTPRoute "${config.httpRoute}" mirroring ${config.percent}% to the dark version`;
  }

  async mirror(dark: DarkVersion, journal: ChangeJournal): Promise<void> {
    const { api, namespace } = this.ctx;
    const ref: ObjectRef = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      namespace,
      name: this.config.httpRoute,
    };
    if (!(await api.read<HttpRoute>(ref))) {
      throw new ConfigurationError(
        'http-route',
        `there is no HTTPRoute "${this.config.httpRoute}" in namespace "${namespace}" to mirror traffic from`,
        `http-route: ${this.ctx.service}`,
      );
    }
    await changeObject<HttpRoute>(this.ctx, journal, ref, (route) =>
      withRequestMirror(route, dark.liveService.name, dark.darkService, this.config.percent),
    );
    this.ctx.log(
      `HTTPRoute "${this.config.httpRoute}" mirrors ${this.config.percent}% of the traffic for Service ` +
        `"${dark.liveService.name}" to "${dark.darkService.name}"`,
    );
  }
}
