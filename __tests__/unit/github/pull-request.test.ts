import { describe, expect, it } from 'vitest';
import { pullRequestNumber } from '../../../src/github/pull-request.js';

describe('pullRequestNumber', () => {
  it.each(['pull_request', 'pull_request_target'])('reads the PR of a %s event', (eventName) => {
    expect(pullRequestNumber({ eventName, payload: { pull_request: { number: 42 } } })).toBe(42);
  });

  it('reads the PR of a comment on a pull request', () => {
    const payload = {
      issue: { number: 7, pull_request: { url: 'https://api.github.com/repos/a/b/pulls/7' } },
    };
    expect(pullRequestNumber({ eventName: 'issue_comment', payload })).toBe(7);
  });

  it('ignores comments on plain issues and other events', () => {
    expect(
      pullRequestNumber({ eventName: 'issue_comment', payload: { issue: { number: 7 } } }),
    ).toBeUndefined();
    expect(
      pullRequestNumber({ eventName: 'push', payload: { pull_request: { number: 1 } } }),
    ).toBeUndefined();
    expect(pullRequestNumber({ eventName: 'workflow_dispatch', payload: {} })).toBeUndefined();
  });
});
