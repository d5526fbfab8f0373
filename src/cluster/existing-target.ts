import type { V1Service } from '@kubernetes/client-node';
import { ConfigurationError } from '../core/configuration-error.js';
import type { ChangeJournal } from './change-journal.js';
import type { ClusterContext } from './cluster-context.js';
import { activatorHeaders, privateServiceSelector } from './knative-resources.js';
import type { DarkVersion, ServicePort, Target } from './target.js';

/** The HTTP port of a Service: the one named http or http2, else the first. */
function httpPort(service: V1Service): number | undefined {
  const ports = service.spec?.ports ?? [];
  return (ports.find((port) => port.name === 'http' || port.name === 'http2') ?? ports[0])?.port;
}

/**
 * The dark version is already running: nothing is deployed or changed, only the Services that reach the two
 * versions are looked up. A Knative revision is reached through its private Service; anything else through a
 * Service named like the dark version, with the service under test as the live one.
 */
export class ExistingTarget implements Target {
  readonly description: string;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly names: { readonly darkRevision: string; readonly liveRevision: string },
  ) {
    this.description = `existing dark version "${names.darkRevision}" beside "${names.liveRevision}"`;
  }

  async deploy(_journal: ChangeJournal): Promise<DarkVersion> {
    const { darkRevision, liveRevision } = this.names;
    const [knativePrivate] = await this.ctx.api.list<V1Service>(
      'v1',
      'Service',
      this.ctx.namespace,
      privateServiceSelector(darkRevision),
    );
    const knativePort = knativePrivate && httpPort(knativePrivate);
    if (knativePrivate?.metadata?.name && knativePort !== undefined) {
      return {
        darkRevision,
        liveRevision,
        darkService: { name: knativePrivate.metadata.name, port: knativePort },
        // The live revision's public Service, which Knative names after it.
        liveService: { name: liveRevision, port: 80 },
        liveRequestHeaders: activatorHeaders(this.ctx.namespace, liveRevision),
      };
    }
    return {
      darkRevision,
      liveRevision,
      darkService: await this.servicePort(darkRevision, 'dark-revision'),
      liveService: await this.servicePort(this.ctx.service, 'service'),
    };
  }

  private async servicePort(name: string, input: string): Promise<ServicePort> {
    const { namespace } = this.ctx;
    const service = await this.ctx.api.read<V1Service>({
      apiVersion: 'v1',
      kind: 'Service',
      namespace,
      name,
    });
    const port = service && httpPort(service);
    if (port === undefined) {
      throw new ConfigurationError(
        input,
        `no Service with a port reaches "${name}" in namespace "${namespace}": it is neither a Knative revision ` +
          `(with a private Service) nor a Service named "${name}"`,
        `${input}: ${name}`,
      );
    }
    return { name, port };
  }

  async promote(): Promise<string> {
    throw new ConfigurationError(
      'promote',
      'target existing has nothing to promote: Shadowgate did not deploy the dark version',
      'promote: false',
    );
  }
}
