/**
 * What the cluster side did after the verdict: promotion and cleanup. Declared here (the shape of the cluster
 * layer's CleanupSummary) so the report stays free of adapters.
 */
export interface ClusterOutcome {
  /** The promotion sentence from the target, e.g. `Knative Service "checkout" sends 100% of traffic to checkout-c0ffee1`. */
  readonly promoted?: string;
  /** Why promotion failed, when it was asked for and tried. */
  readonly promotionFailure?: string;
  readonly cleanup?: {
    readonly deleted: readonly string[];
    readonly restored: readonly string[];
    /** What could not be undone, with the reason; the post step tries again. */
    readonly failures: readonly string[];
  };
  /** Why cleanup as a whole could not run, e.g. the cluster became unreachable. */
  readonly cleanupFailure?: string;
}

/** `[label, sentence]` pairs, in order, for the report's summary list and the terminal report. */
export function clusterOutcomeLines(outcome: ClusterOutcome): [string, string][] {
  const lines: [string, string][] = [];
  if (outcome.promoted !== undefined) lines.push(['Promoted', outcome.promoted]);
  if (outcome.promotionFailure !== undefined) {
    lines.push(['Promotion failed', `${outcome.promotionFailure}; the live version is unchanged`]);
  }
  if (outcome.cleanupFailure !== undefined) {
    lines.push(['Cleanup failed', `${outcome.cleanupFailure}; the post step tries again`]);
  } else if (outcome.cleanup) {
    lines.push(['Cleanup', describeCleanup(outcome.cleanup)]);
  }
  return lines;
}

function describeCleanup({ deleted, restored, failures }: NonNullable<ClusterOutcome['cleanup']>): string {
  const done = [
    deleted.length ? `deleted ${deleted.join(', ')}` : undefined,
    restored.length ? `restored ${restored.join(', ')}` : undefined,
  ].filter((part) => part !== undefined);
  const summary = done.length ? done.join('; ') : 'nothing left to undo';
  return failures.length
    ? `${summary}; could not undo ${failures.join('; ')} (the post step tries again)`
    : summary;
}
