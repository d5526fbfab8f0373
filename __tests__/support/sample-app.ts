import { startLocalTarget } from '../../src/traffic/local-target.js';

export interface SampleAppStats {
  readonly requests: number;
  readonly errors: number;
  readonly byMethod: Readonly<Record<string, number>>;
}

export interface SampleApp {
  readonly url: string;
  /** What this instance received (samples/app's `GET /__stats`). */
  stats(): Promise<SampleAppStats>;
  stop(): Promise<void>;
}

/** samples/app on a free port, started the way the action starts a `*-command`. */
export async function startSampleApp(args: readonly string[]): Promise<SampleApp> {
  const command = [process.execPath, 'samples/app/server.mjs', ...args].map((part) => `'${part}'`).join(' ');
  const target = await startLocalTarget('live', { command }, { startTimeoutMs: 15_000, log: () => {} });
  return {
    url: target.url,
    stats: async () => (await (await fetch(`${target.url}/__stats`)).json()) as SampleAppStats,
    stop: target.stop,
  };
}
