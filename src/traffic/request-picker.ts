import type { RequestTemplate } from '../core/traffic-config.js';

/**
 * Picks the next request among weighted templates from a seeded generator (mulberry32), so the same seed
 * gives the same sequence of requests, and the mirroring decisions on them repeat from run to run.
 */
export class RequestPicker {
  private readonly cumulative: number[];
  private state: number;

  constructor(
    private readonly templates: readonly RequestTemplate[],
    seed: number,
  ) {
    if (templates.length === 0) throw new Error('at least one request template is needed');
    const total = templates.reduce((sum, template) => sum + template.weight, 0);
    let running = 0;
    this.cumulative = templates.map((template) => (running += template.weight / total));
    this.state = seed >>> 0;
  }

  next(): RequestTemplate {
    const only = this.templates[0] as RequestTemplate;
    if (this.templates.length === 1) return only;
    const draw = this.random();
    const index = this.cumulative.findIndex((upTo) => draw < upTo);
    return this.templates[index < 0 ? this.templates.length - 1 : index] ?? only;
  }

  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
