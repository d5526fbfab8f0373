import type { V1Deployment, V1LabelSelector, V1Service } from '@kubernetes/client-node';
import type { DeploymentTargetConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type { ChangeJournal } from './change-journal.js';
import type { ClusterContext } from './cluster-context.js';
import { chooseContainer, darkDeploymentName, deriveDarkDeployment, withEnv } from './dark-deployment.js';
import type { ObjectRef } from './kube-api.js';
import { updateWithRetry } from './kube-client.js';
import { assessRollout } from './rollout-status.js';
import type { DarkVersion, Target } from './target.js';
import { waitForWorkload } from './workload-wait.js';

/**
 * A plain Deployment behind a Kubernetes Service: the dark version is a copy of the live Deployment with the
 * candidate image, plus a Service that reaches only the copy's pods, both named `<deployment>-<suffix>`.
 */
export class DeploymentTarget implements Target {
  readonly description: string;
  private readonly darkName: string;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly config: DeploymentTargetConfig,
  ) {
    this.darkName = darkDeploymentName(config.deployment, config.suffix);
    this.description = `Deployment "${config.deployment}" with a dark copy "${this.darkName}"`;
  }

  async deploy(journal: ChangeJournal, signal?: AbortSignal): Promise<DarkVersion> {
    const { api, namespace, service } = this.ctx;
    const live = await api.read<V1Deployment>(this.ref('apps/v1', 'Deployment', this.config.deployment));
    if (!live) {
      throw new ConfigurationError(
        'deployment',
        `there is no Deployment "${this.config.deployment}" in namespace "${namespace}" to copy the dark version from`,
        `deployment: ${service}`,
      );
    }
    const liveService = await api.read<V1Service>(this.ref('v1', 'Service', service));
    const port = liveService?.spec?.ports?.[0];
    if (!liveService || !port) {
      throw new ConfigurationError(
        'service',
        liveService
          ? `Service "${service}" in namespace "${namespace}" has no ports to mirror traffic to`
          : `there is no Service "${service}" in namespace "${namespace}" serving the live Deployment`,
        `service: ${this.config.deployment}`,
      );
    }

    const dark = deriveDarkDeployment({
      live,
      liveService,
      image: this.config.image,
      suffix: this.config.suffix,
      container: this.config.container,
      env: this.config.env,
      service,
      runId: this.ctx.runId,
    });
    for (const object of [dark.deployment, dark.service]) {
      journal.record({ action: 'created', ref: this.ref(object.apiVersion, object.kind, this.darkName) });
      await api.create(object);
    }
    this.ctx.log(`Created Deployment and Service "${this.darkName}" running ${this.config.image}`);
    await this.waitForRollout(dark.deployment.spec?.selector ?? {}, signal);

    const servicePort = { name: port.name ?? '', port: port.port };
    return {
      darkRevision: this.darkName,
      liveRevision: this.config.deployment,
      darkService: { ...servicePort, name: this.darkName },
      liveService: { ...servicePort, name: service },
    };
  }

  async promote(dark: DarkVersion, journal: ChangeJournal): Promise<string> {
    const { image, env, container } = this.config;
    let containerName = '';
    // Not journaled: promotion is the one change cleanup must keep.
    await updateWithRetry<V1Deployment>(
      this.ctx.api,
      this.ref('apps/v1', 'Deployment', dark.liveRevision),
      (live) => {
        const target = chooseContainer(
          live.spec?.template.spec?.containers ?? [],
          container,
          dark.liveRevision,
        );
        target.image = image;
        target.env = withEnv(target.env ?? [], env);
        containerName = target.name;
        return live;
      },
    );
    for (const ref of [
      this.ref('apps/v1', 'Deployment', dark.darkRevision),
      this.ref('v1', 'Service', dark.darkService.name),
    ]) {
      await this.ctx.api.delete(ref);
      journal.forget(ref);
    }
    const envNote = Object.keys(env).length > 0 ? ` with ${Object.keys(env).length} env override(s)` : '';
    return (
      `Deployment "${dark.liveRevision}" now runs ${image} in container "${containerName}"${envNote}, as the dark ` +
      `copy "${dark.darkRevision}" did; the dark copy was removed.`
    );
  }

  /** Resolves when the dark Deployment's rollout is complete; rejects with its pods' own diagnosis or at the timeout. */
  private waitForRollout(selector: V1LabelSelector, signal?: AbortSignal): Promise<void> {
    return waitForWorkload(
      this.ctx,
      {
        ref: this.ref('apps/v1', 'Deployment', this.darkName),
        labelSelector: Object.entries(selector.matchLabels ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join(','),
        subject: `The dark Deployment "${this.darkName}"`,
        failedTo: 'roll out',
        shortName: `Deployment "${this.darkName}"`,
        assess: assessRollout,
      },
      signal,
    );
  }

  private ref(apiVersion: string | undefined, kind: string | undefined, name: string): ObjectRef {
    return { apiVersion: apiVersion ?? '', kind: kind ?? '', namespace: this.ctx.namespace, name };
  }
}
