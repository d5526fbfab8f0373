import { request } from 'node:http';

/** Whether anything still answers HTTP at `url`. */
export function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
    probe.once('timeout', () => probe.destroy());
    probe.end();
  });
}

/** The URLs of the local versions a run's log says it started. */
export function startedUrls(log: string): string[] {
  return [
    ...log.matchAll(/^Started the (?:live|dark|live-replica) version: .* waiting for (http:\S+)$/gm),
  ].map((match) => match[1] as string);
}
