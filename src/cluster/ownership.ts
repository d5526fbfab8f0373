/**
 * Labels on everything Shadowgate creates, and annotations on everything it changes, so a later run can find
 * and sweep what a killed runner left behind. Label values are at most 63 characters of [A-Za-z0-9._-].
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'shadowgate';
/** The target service's name. */
export const TARGET_LABEL = 'shadowgate.dev/target';
/** The run that made the object: GitHub's run id and attempt, or a random id for the CLI. */
export const RUN_LABEL = 'shadowgate.dev/run';
/**
 * On objects Shadowgate changed but did not create: the run id, and the previous object as JSON. Such objects
 * also carry TARGET_LABEL and RUN_LABEL (not MANAGED_BY_LABEL), so a sweep finds them by label.
 */
export const CHANGED_BY_ANNOTATION = 'shadowgate.dev/changed-by-run';
export const PREVIOUS_ANNOTATION = 'shadowgate.dev/previous';
/**
 * The metadata.generation Shadowgate's change produced. A sweep restores the previous object only while the
 * generation is unchanged: a user who redeployed since keeps their deploy.
 */
export const CHANGED_GENERATION_ANNOTATION = 'shadowgate.dev/changed-generation';

export function ownershipLabels(target: string, runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [TARGET_LABEL]: target, [RUN_LABEL]: runId };
}
