// Secrets: the bundled action deploys a dark copy into the real API server with a kubeconfig that holds both a
// bearer token and a client key, posts its PR comment with a GitHub token and reads a real Prometheus with a
// bearer token; none of them, nor their base64 forms, appears anywhere the run writes: a log line (except the
// `::add-mask::` command that hides it on GitHub), the step summary, the comment, GITHUB_OUTPUT, the saved state,
// the report or the result file. On the real cluster (checkout-cluster.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  type CheckoutCluster,
  NAMESPACE,
  SERVICE,
  startCheckoutCluster,
} from '../../support/checkout-cluster.js';
import { FAST } from '../../support/fake-shop.js';
import { type ActionRun, output } from '../../support/run-bundled-action.js';

const GITHUB_TOKEN = 'ghs_secretsTestToken0123456789abcdefXYZ';
const PROMETHEUS_TOKEN = 'prom-secrets-test-bearer-5a4b3c2d1e';

let shop: CheckoutCluster;
/** The admin kubeconfig with a ServiceAccount token added to its user, beside the client certificate and key. */
let kubeconfig: string;
let serviceAccountToken: string;
let clientKeyData: string;

beforeAll(async () => {
  shop = await startCheckoutCluster({
    darkRevisions: { [`${SERVICE}-secret`]: FAST, [`${SERVICE}-secret64`]: FAST },
  });
  const minted = parse(
    await shop.cluster.mintKubeconfig(NAMESPACE, [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    ]),
  ) as { users: { user: { token: string } }[] };
  serviceAccountToken = minted.users[0]?.user.token ?? '';
  const admin = parse(shop.cluster.adminKubeconfig) as {
    users: { user: Record<string, string> }[];
  };
  const user = admin.users[0]?.user;
  if (!user || !serviceAccountToken) throw new Error('no admin user or no minted token');
  clientKeyData = user['client-key-data'] ?? '';
  user.token = serviceAccountToken;
  kubeconfig = stringify(admin);
});

afterAll(async () => {
  await shop?.stop();
});

/** Every form in which a credential of this run could leak. */
function secrets(extra: readonly string[] = []): string[] {
  const plain = [GITHUB_TOKEN, PROMETHEUS_TOKEN, serviceAccountToken, clientKeyData, ...extra];
  const pemLines = Buffer.from(clientKeyData, 'base64')
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
  return [...plain, ...plain.map((secret) => Buffer.from(secret).toString('base64')), ...pemLines];
}

/** Everything a run wrote that someone other than the runner's masking could show: each with where it came from. */
function written(result: ActionRun): [string, string][] {
  const logLines = output(result)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'));
  return [
    ...logLines.map((line, index): [string, string] => [`log line ${index + 1}`, line]),
    ['step summary', result.summary],
    ['GITHUB_OUTPUT', JSON.stringify(result.outputs)],
    ['GITHUB_STATE', JSON.stringify(result.state)],
    ...Object.entries(result.outputFiles),
  ];
}

function leaks(places: readonly [string, string][], candidates: readonly string[]): string[] {
  return places.flatMap(([where, text]) =>
    candidates.filter((secret) => text.includes(secret)).map((secret) => `${where}: ${secret.slice(0, 6)}…`),
  );
}

describe('no credential appears in what the bundled action writes', () => {
  it.each([
    ['YAML', () => kubeconfig, 'secret'],
    ['base64', () => Buffer.from(kubeconfig).toString('base64'), 'secret64'],
  ] as const)('with the kubeconfig as %s', async (_, kubeconfigInput, suffix) => {
    const given = kubeconfigInput();
    const comments = shop.github.comments.length;
    const inputs = shop.inputs(suffix, {
      kubeconfig: given,
      'github-token': GITHUB_TOKEN,
      'prometheus-token': PROMETHEUS_TOKEN,
      comment: 'always',
    });
    const main = await shop.run(inputs);
    expect(main.exitCode, output(main)).toBe(0);
    expect(main.outputs.verdict).toBe('pass');
    // The comment was posted (so its body was checked), with the token in the header only.
    const posted = shop.github.requests.filter(
      (r) => r.route === 'create-comment' || r.route === 'update-comment',
    );
    expect(posted.at(-1)?.headers.authorization).toBe(`token ${GITHUB_TOKEN}`);
    expect(shop.github.comments.length).toBeGreaterThanOrEqual(Math.max(comments, 1));
    const post = await shop.run(inputs, { state: main.state });
    expect(post.exitCode, output(post)).toBe(0);

    const candidates = secrets(suffix === 'secret64' ? [given] : []);
    const places = [
      ...written(main),
      ...written(post).map(([where, text]): [string, string] => [`post step ${where}`, text]),
      ...shop.github.comments.map((comment): [string, string] => [`PR comment ${comment.id}`, comment.body]),
      ...posted.map((request): [string, string] => [`GitHub request body`, JSON.stringify(request.body)]),
    ];
    expect(leaks(places, candidates)).toEqual([]);
    // Each credential is masked before it could be printed: the runner hides it even where this test cannot look.
    const masks = output(main)
      .split('\n')
      .filter((line) => line.startsWith('::add-mask::'));
    for (const secret of [GITHUB_TOKEN, PROMETHEUS_TOKEN, serviceAccountToken, clientKeyData]) {
      expect(masks.some((line) => line === `::add-mask::${secret}`)).toBe(true);
    }
    expect(await shop.managedObjects()).toEqual([]);
  });
});
