// What the real cluster (testenv/cluster/) may leave on this host, as sorted lines: iptables chains and rules, network
// links, mounts, cgroups, the directories it may create, the sysctls it sets, and its processes and containers. Equal
// before a start and after a stop means the stop removed everything the cluster made.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/bridge/bridge-nf-call-iptables',
  'net/ipv4/conf/all/route_localnet',
];
const PATHS = ['/certs', '/var/lib/cni', '/var/log/containers', '/var/log/pods', '/run/shadowgate-cluster'];
const RUN_DIRS = ['/run/shadowgate-cluster', '/var/lib/shadowgate-cluster'];

export async function hostFootprint(): Promise<string[]> {
  const lines: string[] = [];
  for (const save of ['iptables-save', 'ip6tables-save']) {
    for (const table of ['filter', 'nat', 'mangle', 'raw']) {
      const { stdout } = await execFileAsync(save, ['-t', table]).catch(() => ({ stdout: '' }));
      for (const line of stdout.split('\n')) {
        // Comments carry dates; chain lines carry packet counters.
        if (line && !line.startsWith('#'))
          lines.push(`${save} ${table} ${line.replace(/ \[\d+:\d+\]$/, '')}`);
      }
    }
  }
  lines.push(...readdirSync('/sys/class/net').map((link) => `link ${link}`));
  for (const mount of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    if (mount) lines.push(`mount ${mount.split(' ')[1]}`);
  }
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    if (existsSync(`/sys/fs/cgroup/${controller}/kubepods`)) lines.push(`cgroup ${controller}/kubepods`);
  }
  for (const path of PATHS) if (existsSync(path)) lines.push(`path ${path}`);
  for (const key of SYSCTLS) {
    const file = `/proc/sys/${key}`;
    if (existsSync(file)) lines.push(`sysctl ${key}=${readFileSync(file, 'utf8').trim()}`);
  }
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let command: string;
    let cgroups: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Each of the cluster's processes names its run directories (configs, certificates, sockets, data); containers
    // run in its pod cgroups. Other runs' etcd or kube-apiserver (kube-test-env.ts), or a build writing into the
    // cluster's cache, are not the cluster's.
    if (RUN_DIRS.some((dir) => command.includes(dir)) || cgroups.includes(':/kubepods')) {
      const binary = command.split('\0')[0] ?? '';
      lines.push(`process ${binary.slice(binary.lastIndexOf('/') + 1)}`);
    }
  }
  return lines.sort();
}

/** Lines only in `before` (-) or only in `after` (+). */
export function footprintDiff(before: readonly string[], after: readonly string[]): string[] {
  const had = new Set(before);
  const has = new Set(after);
  return [
    ...before.filter((line) => !has.has(line)).map((line) => `- ${line}`),
    ...after.filter((line) => !had.has(line)).map((line) => `+ ${line}`),
  ];
}
