/**
 * A fake GitHub REST API on 127.0.0.1, enough for the sticky PR comment:
 *
 *   GET   /user                                   the token's user (403 for an installation token, as on GitHub)
 *   GET   /repos/:owner/:repo/issues/:n/comments  paginated with `per_page`/`page` and a `Link` header
 *   POST  /repos/:owner/:repo/issues/:n/comments  creates a comment authored by the token's user
 *   PATCH /repos/:owner/:repo/issues/comments/:id updates a comment's body
 *
 * Usage (unit tests or an end-to-end test that runs the bundled action with GITHUB_API_URL=fake.url):
 *
 *   const fake = await startFakeGitHub();                 // GITHUB_TOKEN-like: comments by github-actions[bot]
 *   fake.addComment({ owner: 'acme', repo: 'shop', issueNumber: 7, body: '…', login: 'someone' });
 *   fake.failNext('create-comment', 403);                 // the next POST answers like a fork PR's token
 *   …
 *   fake.requests;                                        // every request: method, path, route, headers, body
 *   fake.comments;                                        // the stored comments, oldest first
 *   await fake.close();
 *
 * Every request must carry an `Authorization` header, or it gets GitHub's 401.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeGitHubRoute = 'get-user' | 'list-comments' | 'create-comment' | 'update-comment';

export type FakeGitHubFailure = 403 | 404 | 500;

export interface FakeComment {
  readonly id: number;
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
  body: string;
  readonly user: { readonly login: string; readonly type: 'Bot' | 'User' };
  readonly html_url: string;
  readonly created_at: string;
  updated_at: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, e.g. `/repos/acme/shop/issues/7/comments?per_page=100&page=2`. */
  readonly path: string;
  /** The route it matched, if any. */
  readonly route?: FakeGitHubRoute;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body?: unknown;
}

export interface FakeGitHubOptions {
  /**
   * The login `GET /user` returns, as for a personal access token. Left out, `GET /user` answers 403 as it
   * does for a workflow's GITHUB_TOKEN, and new comments are authored by `github-actions[bot]`.
   */
  readonly authenticatedLogin?: string;
  /**
   * Who authors comments made with an installation token (no authenticatedLogin): `github-actions[bot]` for a
   * workflow's GITHUB_TOKEN, `<app-slug>[bot]` for a GitHub App's token.
   */
  readonly installationLogin?: string;
}

export interface FakeGitHub {
  /** Base URL, e.g. `http://127.0.0.1:40123`; use it as GITHUB_API_URL or Octokit's `baseUrl`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly comments: FakeComment[];
  /** Stores a comment as if someone had written it; ids increase in insertion order. */
  addComment(comment: {
    owner: string;
    repo: string;
    issueNumber: number;
    body: string;
    login: string;
  }): FakeComment;
  /** The next `times` requests to `route` answer `status` with GitHub's JSON error body. */
  failNext(route: FakeGitHubRoute, status: FakeGitHubFailure, times?: number): void;
  /** Runs `hook` (once) before the next request to `route` is answered, e.g. to signal the client mid-request. */
  beforeNext(route: FakeGitHubRoute, hook: () => Promise<void>): void;
  close(): Promise<void>;
}

const BOT_LOGIN = 'github-actions[bot]';
const DOCS = 'https://docs.github.com/rest';

const ERROR_BODIES: Readonly<
  Record<FakeGitHubFailure | 401, { message: string; documentation_url: string }>
> = {
  401: { message: 'Requires authentication', documentation_url: DOCS },
  403: {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  },
  404: { message: 'Not Found', documentation_url: DOCS },
  500: { message: 'Server Error', documentation_url: DOCS },
};

interface Match {
  readonly route: FakeGitHubRoute;
  readonly params: Readonly<Record<string, string>>;
}

const ROUTES: readonly { method: string; pattern: RegExp; route: FakeGitHubRoute }[] = [
  { method: 'GET', pattern: /^\/user$/, route: 'get-user' },
  {
    method: 'GET',
    pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<issue>\d+)\/comments$/,
    route: 'list-comments',
  },
  {
    method: 'POST',
    pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/(?<issue>\d+)\/comments$/,
    route: 'create-comment',
  },
  {
    method: 'PATCH',
    pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/issues\/comments\/(?<id>\d+)$/,
    route: 'update-comment',
  },
];

function matchRoute(method: string, pathname: string): Match | undefined {
  for (const { method: m, pattern, route } of ROUTES) {
    const found = m === method ? pattern.exec(pathname) : null;
    if (found) return { route, params: { ...found.groups } };
  }
  return undefined;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** The comment as GitHub's REST API returns it (the fields the fake keeps for routing stay private). */
function commentJson(comment: FakeComment, url: string) {
  const { owner, repo, issueNumber, ...rest } = comment;
  return { ...rest, issue_url: `${url}/repos/${owner}/${repo}/issues/${issueNumber}` };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const requests: RecordedRequest[] = [];
  const comments: FakeComment[] = [];
  const failures = new Map<FakeGitHubRoute, FakeGitHubFailure[]>();
  const hooks = new Map<FakeGitHubRoute, () => Promise<void>>();
  const author = options.authenticatedLogin ?? options.installationLogin ?? BOT_LOGIN;
  let nextId = 1_000_001;
  let url = '';

  const addComment: FakeGitHub['addComment'] = ({ owner, repo, issueNumber, body, login }) => {
    const id = nextId++;
    const now = new Date().toISOString();
    const comment: FakeComment = {
      id,
      owner,
      repo,
      issueNumber,
      body,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: `https://github.com/${owner}/${repo}/pull/${issueNumber}#issuecomment-${id}`,
      created_at: now,
      updated_at: now,
    };
    comments.push(comment);
    return comment;
  };

  const listComments = (
    response: ServerResponse,
    params: Match['params'],
    query: URLSearchParams,
    path: string,
  ) => {
    const perPage = Math.min(100, Number(query.get('per_page') ?? 30) || 30);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const all = comments.filter(
      (c) => c.owner === params.owner && c.repo === params.repo && c.issueNumber === Number(params.issue),
    );
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number, rel: string) => `<${url}${path}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
    const links = [
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
      ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
    ];
    send(
      response,
      200,
      all.slice((page - 1) * perPage, page * perPage).map((c) => commentJson(c, url)),
      links.length ? { link: links.join(', ') } : {},
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const target = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readJson(request).catch(() => undefined);
    const match = matchRoute(method, target.pathname);
    requests.push({
      method,
      path: `${target.pathname}${target.search}`,
      ...(match ? { route: match.route } : {}),
      headers: request.headers,
      ...(body === undefined ? {} : { body }),
    });

    if (!request.headers.authorization) return send(response, 401, ERROR_BODIES[401]);
    if (!match) return send(response, 404, ERROR_BODIES[404]);
    const hook = hooks.get(match.route);
    hooks.delete(match.route);
    await hook?.();
    const failure = failures.get(match.route)?.shift();
    if (failure) return send(response, failure, ERROR_BODIES[failure]);

    const { route, params } = match;
    switch (route) {
      case 'get-user':
        return options.authenticatedLogin
          ? send(response, 200, { login: options.authenticatedLogin, id: 1, type: 'User' })
          : send(response, 403, ERROR_BODIES[403]);
      case 'list-comments':
        return listComments(response, params, target.searchParams, target.pathname);
      case 'create-comment':
      case 'update-comment': {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string') {
          return send(response, 422, {
            message: 'Invalid request.\n\n"body" wasn\'t supplied.',
            documentation_url: DOCS,
          });
        }
        if (route === 'create-comment') {
          const owner = params.owner ?? '';
          const repo = params.repo ?? '';
          return send(
            response,
            201,
            commentJson(
              addComment({ owner, repo, issueNumber: Number(params.issue), body: text, login: author }),
              url,
            ),
          );
        }
        const comment = comments.find(
          (c) => c.id === Number(params.id) && c.owner === params.owner && c.repo === params.repo,
        );
        if (!comment) return send(response, 404, ERROR_BODIES[404]);
        comment.body = text;
        comment.updated_at = new Date().toISOString();
        return send(response, 200, commentJson(comment, url));
      }
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    comments,
    addComment,
    failNext(route, status, times = 1) {
      failures.set(route, [...(failures.get(route) ?? []), ...Array.from({ length: times }, () => status)]);
    },
    beforeNext(route, hook) {
      hooks.set(route, hook);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
