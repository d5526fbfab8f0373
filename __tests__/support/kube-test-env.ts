// A real Kubernetes API for integration tests: etcd and kube-apiserver built by testenv/kube/provision.sh,
// with client certificates, RBAC and the Knative, Istio and Gateway API CRDs installed. There is no
// controller-manager, so nothing reconciles: no namespace deletion, garbage collection or default ServiceAccount.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { type RequestOptions, request } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface KubeTestEnv {
  /** Kubeconfig YAML for a `system:masters` client certificate. */
  readonly adminKubeconfig: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /**
   * Kubeconfig YAML for a new ServiceAccount in `namespace` (created if missing) whose only permissions
   * come from a RoleBinding to a new Role with `access` rules, or to the existing Role `access.role`.
   */
  mintKubeconfig(namespace: string, access: k8s.V1PolicyRule[] | { role: string }): Promise<string>;
  /**
   * Creates a namespace with its `default` ServiceAccount, which pod admission requires and which only the
   * controller-manager (not running here) would create.
   */
  createNamespace(namespace: string): Promise<void>;
  /** Stops both servers and removes their files. Safe to call twice. */
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// The owner's pid in the name lets a later start tell a crashed run's leftovers from a live run.
const tempPrefix = 'shadowgate-kube-';
const live = new Set<RunningEnv>();
const execFileAsync = promisify(execFile);

/** The cache directory that testenv/kube/provision.sh fills; its name carries the pinned versions. */
export function kubeTestEnvDir(): string {
  const override = process.env.SHADOWGATE_KUBE_TESTENV;
  if (override) return override;
  const goMod = readFileSync(join(repoRoot, 'testenv/kube/go.mod'), 'utf8');
  const version = (module: string): string => {
    const match = new RegExp(`^\\s*${module.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(goMod);
    if (!match?.[1]) throw new Error(`testenv/kube/go.mod does not require ${module}`);
    return match[1];
  };
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(
    cacheHome,
    'shadowgate/testenv',
    `kube-${version('k8s.io/kubernetes')}-etcd-${version('go.etcd.io/etcd/server/v3')}`,
  );
}

export async function startKubeTestEnv(): Promise<KubeTestEnv> {
  const cache = kubeTestEnvDir();
  const bin = (name: string): string => join(cache, 'bin', name);
  if (!existsSync(bin('kube-apiserver')) || !existsSync(bin('etcd')) || !existsSync(join(cache, 'crds'))) {
    throw new Error(
      `The Kubernetes test environment is not provisioned in ${cache}: run testenv/kube/provision.sh`,
    );
  }
  sweepLeftovers();

  const dir = await mkdtemp(join(tmpdir(), `${tempPrefix}${process.pid}-`));
  const env = new RunningEnv(dir);
  try {
    const pki = await makePki(dir);
    const [etcdPort, etcdPeerPort, apiPort] = await freePorts(3);
    const server = `https://127.0.0.1:${apiPort}`;

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    await env.spawn(bin('etcd'), [
      '--name=test',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      // Throwaway data: skip fsync, which dominates etcd latency on slow disks.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await env.spawn(bin('kube-apiserver'), [
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The endpoint reconciler refuses a loopback address, and no Pod needs the kubernetes Service's endpoints.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--etcd-servers=${etcdUrl}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${pki.serviceAccountKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    ]);

    const adminKubeconfig = kubeconfig(server, pki.caPem, 'admin', {
      'client-certificate-data': Buffer.from(await readFile(pki.adminCert)).toString('base64'),
      'client-key-data': Buffer.from(await readFile(pki.adminKey)).toString('base64'),
    });
    const admin = new k8s.KubeConfig();
    admin.loadFromString(adminKubeconfig);

    await env.waitReady(admin, server);
    await installCrds(admin, join(cache, 'crds'));

    return {
      adminKubeconfig,
      server,
      mintKubeconfig: (namespace, access) =>
        mintServiceAccountKubeconfig(admin, server, pki.caPem, namespace, access),
      createNamespace: (namespace) => createNamespace(admin, namespace),
      stop: () => env.stop(),
    };
  } catch (error) {
    await env.stop();
    throw error;
  }
}

/** The servers of one environment; each runs in its own process group so one signal reaches all its threads. */
class RunningEnv {
  private readonly children: ChildProcess[] = [];
  private readonly watchdog: ChildProcess;
  private stopped = false;

  constructor(private readonly dir: string) {
    registerExitHandlers();
    live.add(this);
    this.watchdog = startWatchdog(dir);
  }

  async spawn(binary: string, args: string[]): Promise<void> {
    const name = binary.slice(binary.lastIndexOf('/') + 1);
    const log = openSync(join(this.dir, `${name}.log`), 'a');
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    // A failed spawn has no pid and also emits 'error', which would crash the worker if unhandled.
    child.on('error', () => {});
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    this.children.push(child);
    // Record the pid before anything can crash, so that the next start (or the watchdog) can end it.
    await appendFile(join(this.dir, 'pids'), `${child.pid} ${name}\n`);
  }

  /** Polls /readyz; fails at once, with the log's tail, if a server exits first. */
  async waitReady(admin: k8s.KubeConfig, server: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const dead = this.children.find((child) => child.exitCode !== null || child.signalCode !== null);
      if (dead) throw new Error(`${dead.spawnfile} exited early:\n${this.logTail(dead.spawnfile)}`);
      if ((await readyz(admin, server)) === 200) return;
      if (Date.now() > deadline) {
        throw new Error(`kube-apiserver not ready within 60 s:\n${this.logTail('kube-apiserver')}`);
      }
      await sleep(100);
    }
  }

  private logTail(binary: string): string {
    const name = binary.slice(binary.lastIndexOf('/') + 1);
    return readFileSync(join(this.dir, `${name}.log`), 'utf8')
      .split('\n')
      .slice(-30)
      .join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    // Reverse order: kube-apiserver first, so it does not log etcd connection errors for seconds.
    for (const child of this.children.toReversed()) {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      killGroup(child.pid, 'SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) {
        killGroup(child.pid, 'SIGKILL');
        await exited;
      }
    }
    killGroup(this.watchdog.pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** For process exit: no awaiting possible, so kill outright. */
  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const child of [...this.children, this.watchdog]) killGroup(child.pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A detached shell that kills the servers when this process dies without running its exit handlers
 * (SIGKILL, a crashed worker). It reads the pid file when it fires, so it covers servers started later.
 */
function startWatchdog(dir: string): ChildProcess {
  const script = [
    'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done',
    // dash's kill takes no `--`.
    '[ -f "$2/pids" ] && while read -r pid _; do kill -KILL "-$pid" 2>/dev/null; done < "$2/pids"',
    'rm -rf "$2"',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script, 'shadowgate-kube-watchdog', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}

/** Ends the servers of runs whose process died without cleaning up (and whose watchdog died too). */
function sweepLeftovers(): void {
  for (const entry of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${tempPrefix}(\\d+)-`).exec(entry)?.[1];
    if (owner === undefined || alive(Number(owner))) continue;
    const dir = join(tmpdir(), entry);
    for (const { pid, name } of readPids(dir)) {
      // The pid may have been reused since; kill only what is still that server.
      if (commandLine(pid).includes(name)) killGroup(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function readPids(dir: string): { pid: number; name: string }[] {
  try {
    return readFileSync(join(dir, 'pids'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [pid, name] = line.split(' ');
        return { pid: Number(pid), name: name ?? '' };
      });
  } catch {
    return [];
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

let exitHandlersRegistered = false;

function registerExitHandlers(): void {
  if (exitHandlersRegistered) return;
  exitHandlersRegistered = true;
  const stopAll = (): void => {
    for (const env of live) env.stopSync();
  };
  process.on('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      stopAll();
      process.removeListener(signal, onSignal);
      // A listener disables the default exit; restore it unless someone else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

interface Pki {
  caCert: string;
  caPem: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
}

/** P-256 keys: generating them takes milliseconds, RSA keys take far longer. */
async function makePki(dir: string): Promise<Pki> {
  const file = (name: string): string => join(dir, name);
  const openssl = (args: string[]) => execFileAsync('openssl', args);
  const certificate = (name: string, subject: string, extensions: string[], issuer: string[] = []) =>
    openssl([
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'],
      ...['-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-subj', subject, ...issuer],
      ...extensions.flatMap((extension) => ['-addext', extension]),
    ]);
  await certificate('ca', '/CN=shadowgate-test-ca', [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const signedByCa = ['-CA', file('ca.crt'), '-CAkey', file('ca.key')];
  await Promise.all([
    certificate(
      'serving',
      '/CN=kube-apiserver',
      ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1'],
      signedByCa,
    ),
    // The group system:masters bypasses RBAC.
    certificate(
      'admin',
      '/O=system:masters/CN=shadowgate-admin',
      ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=clientAuth'],
      signedByCa,
    ),
    // SEC1 `EC PRIVATE KEY`: --service-account-key-file reads no PKCS#8 key.
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('service-account.key')]),
  ]);
  return {
    caCert: file('ca.crt'),
    caPem: await readFile(file('ca.crt'), 'utf8'),
    servingCert: file('serving.crt'),
    servingKey: file('serving.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('service-account.key'),
  };
}

/** Ports the kernel hands out are free now; the servers bind them moments later. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Kubeconfig YAML for one user of the cluster at `server`, whose CA is `caPem`. */
export function kubeconfig(
  server: string,
  caPem: string,
  user: string,
  credentials: Record<string, string>,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'shadowgate-test',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: user, user: credentials }],
    contexts: [{ name: user, context: { cluster: 'shadowgate-test', user } }],
    'current-context': user,
  });
}

async function readyz(admin: k8s.KubeConfig, server: string): Promise<number | undefined> {
  const options: RequestOptions = { method: 'GET', timeout: 2_000 };
  await admin.applyToHTTPSOptions(options);
  return new Promise((resolve) => {
    const req = request(`${server}/readyz`, options, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    // Connection refused while the server starts up.
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Istio's CRDs, from the test environment's copy, on a cluster that has none (the real one: no Istio runs there). */
export function installIstioCrds(admin: k8s.KubeConfig): Promise<void> {
  return installCrds(admin, join(kubeTestEnvDir(), 'crds'), (file) => file.startsWith('istio-'));
}

/**
 * Installs the CRDs of the YAML files in `crdDir` that `files` picks (all by default) and waits until they are
 * Established. One already there (the real cluster's, from an earlier test file) is left as it is.
 */
async function installCrds(
  admin: k8s.KubeConfig,
  crdDir: string,
  files: (name: string) => boolean = () => true,
): Promise<void> {
  const api = admin.makeApiClient(k8s.ApiextensionsV1Api);
  const crds: k8s.V1CustomResourceDefinition[] = [];
  for (const file of readdirSync(crdDir).filter((name) => name.endsWith('.yaml') && files(name))) {
    // loadAllYaml, not a plain YAML parse: typed APIs serialize camelCase model fields and silently drop
    // wire names such as x-kubernetes-int-or-string from a plain object.
    for (const object of k8s.loadAllYaml(await readFile(join(crdDir, file), 'utf8'))) {
      if (object?.kind === 'CustomResourceDefinition') crds.push(object);
    }
  }
  await Promise.all(
    crds.map((body) =>
      api.createCustomResourceDefinition({ body }).catch((error: unknown) => {
        if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
      }),
    ),
  );

  const pending = new Set(crds.map((crd) => crd.metadata?.name));
  const deadline = Date.now() + 60_000;
  while (pending.size > 0) {
    for (const crd of (await api.listCustomResourceDefinition()).items) {
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
        pending.delete(crd.metadata?.name);
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`CRDs not Established within 60 s: ${[...pending].join(', ')}`);
    }
    await sleep(100);
  }
}

async function createNamespace(admin: k8s.KubeConfig, namespace: string): Promise<void> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
}

/**
 * Kubeconfig YAML for a new ServiceAccount in `namespace` (created if missing) whose only permissions come from a
 * RoleBinding to a new Role with `access` rules, or to the existing Role `access.role`.
 */
export async function mintServiceAccountKubeconfig(
  admin: k8s.KubeConfig,
  server: string,
  caPem: string,
  namespace: string,
  access: k8s.V1PolicyRule[] | { role: string },
): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await ignoreConflict(core.createNamespace({ body: { metadata: { name: namespace } } }));

  const name = `least-privilege-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const role = Array.isArray(access) ? name : access.role;
  if (Array.isArray(access)) {
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: access } });
  }
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const { status } = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds: 3600 } },
  });
  if (!status?.token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  const user = `system:serviceaccount:${namespace}:${name}`;
  const rules = Array.isArray(access)
    ? access
    : ((await rbac.readNamespacedRole({ name: role, namespace })).rules ?? []);
  await waitUntilAuthorized(admin, user, namespace, rules[0]);
  return kubeconfig(server, caPem, user, { token: status.token });
}

/**
 * The RBAC authorizer sees a new RoleBinding through an informer, a moment after the write; without this,
 * the first request of a freshly minted identity can get a 403 for what its Role allows.
 */
async function waitUntilAuthorized(
  admin: k8s.KubeConfig,
  user: string,
  namespace: string,
  rule: k8s.V1PolicyRule | undefined,
): Promise<void> {
  if (!rule) return;
  const [resource, subresource] = (rule.resources?.[0] ?? '').split('/');
  const review: k8s.V1SubjectAccessReview = {
    spec: {
      user,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      resourceAttributes: {
        namespace,
        verb: rule.verbs[0],
        group: rule.apiGroups?.[0],
        resource,
        subresource,
        name: rule.resourceNames?.[0],
      },
    },
  };
  const api = admin.makeApiClient(k8s.AuthorizationV1Api);
  const deadline = Date.now() + 10_000;
  while (!(await api.createSubjectAccessReview({ body: review })).status?.allowed) {
    if (Date.now() > deadline) throw new Error(`RBAC did not grant ${user} its Role within 10 s`);
    await sleep(50);
  }
}

async function ignoreConflict(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
