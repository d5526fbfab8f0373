import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/github-client.js';
import { GITHUB_ACTIONS_BOT, upsertStickyComment } from '../../src/github/sticky-comment.js';
import { experimentMarker } from '../../src/report/comment-marker.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.js';

const OWNER = 'acme';
const REPO = 'shop';
const PR = 7;
const MARKER = experimentMarker('checkout-latency');

function recordingLog() {
  const warnings: string[] = [];
  return { warnings, log: { warning: (m: string) => warnings.push(m), debug: () => {} } };
}

describe('upsertStickyComment against a fake GitHub API', () => {
  let fake: FakeGitHub;

  const upsert = (body: string, log = recordingLog().log) =>
    upsertStickyComment({
      octokit: createGitHubClient('ghs_faketoken', fake.url),
      owner: OWNER,
      repo: REPO,
      issueNumber: PR,
      marker: MARKER,
      body,
      log,
      runUrl: 'https://github.com/acme/shop/actions/runs/1',
    });
  const seed = (body: string, login: string) =>
    fake.addComment({ owner: OWNER, repo: REPO, issueNumber: PR, body, login });

  beforeEach(async () => {
    fake = await startFakeGitHub();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('creates the comment once, then updates it in place', async () => {
    const first = await upsert(`${MARKER}\n\nfirst report`);
    expect(first.outcome).toBe('created');
    expect(first.url).toMatch(/^https:\/\/github\.com\/acme\/shop\/pull\/7#issuecomment-\d+$/);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.user.login).toBe(GITHUB_ACTIONS_BOT);

    const second = await upsert(`${MARKER}\n\nsecond report`);
    expect(second).toEqual({ outcome: 'updated', url: first.url });
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.body).toBe(`${MARKER}\n\nsecond report`);

    const patch = fake.requests.find((r) => r.route === 'update-comment');
    expect(patch?.path).toBe(`/repos/${OWNER}/${REPO}/issues/comments/${fake.comments[0]?.id}`);
    expect(patch?.headers.authorization).toBe('token ghs_faketoken');
  });

  it("with comment-author, finds a GitHub App's own comment again instead of adding one per run", async () => {
    await fake.close();
    fake = await startFakeGitHub({ installationLogin: 'shadowgate-ci[bot]' });
    const asApp = (body: string, author?: string) =>
      upsertStickyComment({
        octokit: createGitHubClient('ghs_apptoken', fake.url),
        owner: OWNER,
        repo: REPO,
        issueNumber: PR,
        marker: MARKER,
        body,
        log: recordingLog().log,
        ...(author ? { author } : {}),
      });
    await asApp(`${MARKER}\n\nfirst`, 'shadowgate-ci[bot]');
    const second = await asApp(`${MARKER}\n\nsecond`, 'shadowgate-ci[bot]');
    expect(second.outcome).toBe('updated');
    expect(fake.comments.map((comment) => comment.body)).toEqual([`${MARKER}\n\nsecond`]);
    // Without it, the app's comment is not recognised as ours: the fallback login is github-actions[bot].
    expect((await asApp(`${MARKER}\n\nthird`)).outcome).toBe('created');
    expect(fake.comments).toHaveLength(2);
  });

  it('adds the marker when the body lacks it', async () => {
    await upsert('a report without marker');
    expect(fake.comments[0]?.body.startsWith(`${MARKER}\n\n`)).toBe(true);
  });

  it('leaves a marker comment by another user alone and creates its own', async () => {
    const foreign = seed(`quoting ${MARKER} in a review`, 'mallory');
    const outcome = await upsert(`${MARKER}\n\nreport`);
    expect(outcome.outcome).toBe('created');
    expect(fake.comments.find((c) => c.id === foreign.id)?.body).toBe(`quoting ${MARKER} in a review`);
    expect(fake.requests.some((r) => r.route === 'update-comment')).toBe(false);
  });

  it('does not take over another experiment’s comment', async () => {
    seed(`${experimentMarker('other-experiment')}\n\nother`, GITHUB_ACTIONS_BOT);
    expect((await upsert(`${MARKER}\n\nreport`)).outcome).toBe('created');
    expect(fake.comments).toHaveLength(2);
  });

  it('finds its comment on page 3 of 250, following every page at 100 per page', async () => {
    for (let i = 0; i < 250; i++) {
      if (i === 230) seed(`${MARKER}\n\nold report`, GITHUB_ACTIONS_BOT);
      else seed(`comment ${i}`, i % 2 ? 'alice' : GITHUB_ACTIONS_BOT);
    }
    const outcome = await upsert(`${MARKER}\n\nnew report`);
    expect(outcome.outcome).toBe('updated');
    expect(fake.comments).toHaveLength(250);
    expect(fake.comments[230]?.body).toBe(`${MARKER}\n\nnew report`);
    const listed = fake.requests.filter((r) => r.route === 'list-comments').map((r) => r.path);
    expect(listed).toEqual([
      `/repos/${OWNER}/${REPO}/issues/${PR}/comments?per_page=100`,
      `/repos/${OWNER}/${REPO}/issues/${PR}/comments?per_page=100&page=2`,
      `/repos/${OWNER}/${REPO}/issues/${PR}/comments?per_page=100&page=3`,
    ]);
  });

  it('matches by the token user when GET /user answers (a personal access token)', async () => {
    await fake.close();
    fake = await startFakeGitHub({ authenticatedLogin: 'release-bot' });
    seed(`${MARKER}\n\nby the actions bot`, GITHUB_ACTIONS_BOT);
    const mine = seed(`${MARKER}\n\nby the PAT user`, 'release-bot');
    expect((await upsert(`${MARKER}\n\nupdated`)).outcome).toBe('updated');
    expect(fake.comments.find((c) => c.id === mine.id)?.body).toBe(`${MARKER}\n\nupdated`);
    expect(fake.comments[0]?.body).toBe(`${MARKER}\n\nby the actions bot`);
  });

  it.each([
    ['create-comment', 403, /HTTP 403: Resource not accessible by integration/],
    ['list-comments', 404, /HTTP 404: Not Found/],
    ['create-comment', 500, /HTTP 500: Server Error/],
  ] as const)('turns a %s %d into a warning, never a throw', async (route, status, message) => {
    fake.failNext(route, status);
    const { warnings, log } = recordingLog();
    const outcome = await upsert(`${MARKER}\n\nreport`, log);
    expect(outcome.outcome).toBe('failed');
    expect(outcome.url).toBeUndefined();
    expect(outcome.warning).toMatch(message);
    expect(warnings).toEqual([outcome.warning]);
    expect(fake.comments).toHaveLength(0);
  });

  it('turns a 403 on update (read-only token on a fork PR) into a warning', async () => {
    seed(`${MARKER}\n\nold`, GITHUB_ACTIONS_BOT);
    fake.failNext('update-comment', 403);
    const outcome = await upsert(`${MARKER}\n\nnew`);
    expect(outcome.outcome).toBe('failed');
    expect(outcome.warning).toMatch(/^Could not update comment \d+ in acme\/shop: HTTP 403/);
    expect(fake.comments[0]?.body).toBe(`${MARKER}\n\nold`);
  });

  it('truncates a huge body below GitHub’s 65,536-character limit', async () => {
    const huge = `${MARKER}\n\n<details>\n\n\`\`\`promql\n${'rate(http_requests_total[5m])\n'.repeat(5_000)}\`\`\`\n\n</details>\n`;
    expect(huge.length).toBeGreaterThan(100_000);
    expect((await upsert(huge)).outcome).toBe('created');
    const posted = fake.requests.find((r) => r.route === 'create-comment')?.body as { body: string };
    expect(posted.body.length).toBeLessThan(65_536);
    expect(posted.body.startsWith(MARKER)).toBe(true);
    expect(posted.body).toMatch(/\n```\n\n<\/details>\n\n> \[!NOTE\]\n> This report was cut/);
  });
});
