import { context } from '@actions/github';

/** The part of `github.context` this reads: the event name and the payload from GITHUB_EVENT_PATH. */
export interface EventContext {
  readonly eventName: string;
  readonly payload: {
    readonly pull_request?: { readonly number: number };
    readonly issue?: { readonly number: number; readonly pull_request?: unknown };
  };
}

/**
 * The pull request this run belongs to: from `pull_request` and `pull_request_target` events, and from
 * `issue_comment` when the issue is a PR. Undefined for every other event (push, schedule, …).
 */
export function pullRequestNumber(event: EventContext = context): number | undefined {
  switch (event.eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return event.payload.pull_request?.number;
    case 'issue_comment':
      return event.payload.issue?.pull_request ? event.payload.issue.number : undefined;
    default:
      return undefined;
  }
}
