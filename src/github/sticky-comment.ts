import { truncateMarkdown, truncationNote } from '../report/markdown-truncate.js';
import type { GitHubClient } from './github-client.js';

/** The login that posts with a workflow's GITHUB_TOKEN. */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot]';

export interface StickyCommentLog {
  warning(message: string): void;
  debug(message: string): void;
}

export interface StickyCommentRequest {
  readonly octokit: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** PR number (pull requests are issues for comments). */
  readonly issueNumber: number;
  /** Hidden line identifying our comment, e.g. from `experimentMarker`; added to the body if missing. */
  readonly marker: string;
  readonly body: string;
  readonly log: StickyCommentLog;
  /** Linked from the note if the body must be cut. */
  readonly runUrl?: string;
  /**
   * The login whose marked comment is ours. Needed for a GitHub App's token, whose comments are authored by
   * `<app-slug>[bot]`, which neither `GET /user` nor the github-actions[bot] fallback can name.
   */
  readonly author?: string;
}

export interface StickyCommentOutcome {
  readonly outcome: 'created' | 'updated' | 'failed';
  readonly url?: string;
  readonly warning?: string;
}

/** `HTTP 403: Resource not accessible by integration` from an Octokit RequestError, else the message. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { status, response } = error as { status?: unknown; response?: { data?: { message?: unknown } } };
  if (typeof status !== 'number') return error.message;
  const message = typeof response?.data?.message === 'string' ? response.data.message : error.message;
  const hint =
    status === 403
      ? ' (a read-only token, as on pull requests from forks; the job needs `pull-requests: write`)'
      : '';
  return `HTTP ${status}: ${message}${hint}`;
}

/**
 * Whose comments we may edit. `GET /user` names a PAT's user; GITHUB_TOKEN (an installation token) gets
 * 403 there, and its comments are authored by github-actions[bot].
 */
async function ourLogin(octokit: GitHubClient, log: StickyCommentLog): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    log.debug(`GET /user failed (${describeError(error)}); matching comments by ${GITHUB_ACTIONS_BOT}`);
    return GITHUB_ACTIONS_BOT;
  }
}

/**
 * Creates the PR comment carrying `marker`, or updates ours in place. A comment with the marker written
 * by someone else is never touched. HTTP failures come back as a `failed` outcome with a warning (also
 * logged), never as an exception: a comment must not mask or flip the gate's verdict.
 */
export async function upsertStickyComment(request: StickyCommentRequest): Promise<StickyCommentOutcome> {
  const { octokit, owner, repo, issueNumber, marker, log } = request;
  const withMarker = request.body.includes(marker) ? request.body : `${marker}\n\n${request.body}`;
  const body = truncateMarkdown(withMarker, undefined, truncationNote(request.runUrl));
  let step = `list the comments of #${issueNumber}`;
  try {
    const login = (request.author ?? (await ourLogin(octokit, log))).toLowerCase();
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    const ours = comments.find((c) => c.body?.includes(marker) && c.user?.login.toLowerCase() === login);
    if (ours) {
      step = `update comment ${ours.id}`;
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });
      return { outcome: 'updated', url: data.html_url };
    }
    step = `comment on #${issueNumber}`;
    const { data } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body,
    });
    return { outcome: 'created', url: data.html_url };
  } catch (error) {
    const warning = `Could not ${step} in ${owner}/${repo}: ${describeError(error)}. The report is in the job summary.`;
    log.warning(warning);
    return { outcome: 'failed', warning };
  }
}
