import { type ComparisonSample, MATCHED, MISMATCHED, NOT_COMPARED } from '../core/mirrored-exchanges.js';
import type {
  CompareSummary,
  ComparisonCounts,
  DifferingField,
  NotComparedCounts,
} from '../core/traffic-summary.js';
import { jsonText } from './json-diff.js';
import { isRealDifference } from './noise-filter.js';
import type { FieldDifference, ResponseComparison } from './response-compare.js';
import { type SecretNames, truncate } from './secret-names.js';

/**
 * How one comparison is stored per request (one Int32 in the log): a positive signature id (the set of fields
 * that differed), NO_DIFFERENCE, or why the answers were not compared.
 */
export const NO_DIFFERENCE = 0;
export const LIVE_NO_RESPONSE = -1;
export const OTHER_NO_RESPONSE = -2;
export const OVER_LIMIT = -3;
/** No comparison was attempted (no live replica). */
export const NOT_ATTEMPTED = -4;
/** The bodies held for requests in flight had reached their budget, so this pair's were not kept. */
export const OVER_BUDGET = -5;

/** Distinct fields kept; further ones are counted together under OTHER_FIELDS. */
export const MAX_FIELDS = 256;
/** Distinct sets of differing fields kept; further sets are stored as the set of OTHER_FIELDS alone. */
export const MAX_SIGNATURES = 4096;
export const EXAMPLES_PER_FIELD = 3;
export const OTHER_FIELDS = `(other fields: more than ${MAX_FIELDS} distinct)`;
const TOP_FIELDS = 10;
const VALUE_CHARS = 120;
const REQUEST_CHARS = 160;

/** What a request is called in examples. */
export interface RequestLabel {
  readonly method: string;
  /** Path and query, as sent. */
  readonly target: string;
}

type Example = NonNullable<DifferingField['example']>;

/**
 * The differences found over a run, in memory that does not grow with it: each distinct field once, each distinct
 * set of differing fields once, and a few examples per field (values masked, truncated and as text, never
 * bodies). Per request the log keeps only the code `record` returns. Deciding what is noise needs the counts of
 * the window being judged, so `classify` works from the codes of that window.
 */
export class DifferenceBook {
  private readonly fields: string[] = [];
  private readonly fieldIds = new Map<string, number>();
  /** Index = signature id; 0 is the empty set. */
  private readonly signatures: Uint16Array[] = [new Uint16Array(0)];
  private readonly signatureIds = new Map<string, number>([['', 0]]);
  private readonly examples: Example[][] = [];

  constructor(private readonly secrets: SecretNames) {}

  /** The code of a comparison with live, for the log; dark's differences also keep examples. */
  record(side: 'dark' | 'replica', comparison: ResponseComparison, request: RequestLabel): number {
    if (!comparison.compared) return OVER_LIMIT;
    if (comparison.differences.length === 0) return NO_DIFFERENCE;
    const ids = new Set<number>();
    for (const difference of comparison.differences) {
      const id = this.fieldId(difference.field);
      ids.add(id);
      if (side === 'dark') this.keepExample(id, difference, request);
    }
    return this.signatureId([...ids].sort((a, b) => a - b));
  }

  /**
   * Per request of a window, whether dark's answer (and the replica's) differed from live's on a field that
   * counts: not learned as noise from the replica's comparisons in the same window.
   */
  classify(dark: ArrayLike<number>, replica?: ArrayLike<number>): ComparisonSample {
    const real = this.realSignatures(dark, replica);
    const outcomes = (codes: ArrayLike<number>) => {
      const column = new Int8Array(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i] as number;
        column[i] = code < 0 ? NOT_COMPARED : code === NO_DIFFERENCE || !real[code] ? MATCHED : MISMATCHED;
      }
      return column;
    };
    return { dark: outcomes(dark), ...(replica && attempted(replica) ? { live: outcomes(replica) } : {}) };
  }

  /** The whole run's comparisons, for the report. */
  summary(
    dark: ArrayLike<number>,
    replica: ArrayLike<number> | undefined,
    maxBodyBytes: number,
  ): CompareSummary {
    const classified = this.classify(dark, replica);
    const darkCounts = this.fieldCounts(dark);
    const replicaCounts = replica ? this.fieldCounts(replica) : undefined;
    const noise = this.noiseFields(dark, replica);
    const listed = (ids: number[]): DifferingField[] =>
      ids
        .sort((a, b) => (darkCounts.perField[b] ?? 0) - (darkCounts.perField[a] ?? 0) || a - b)
        .map((id) => {
          const example = this.examples[id]?.[0];
          const replicaRequests = replicaCounts?.perField[id] ?? 0;
          return {
            field: this.fields[id] as string,
            requests: darkCounts.perField[id] ?? 0,
            ...(replicaCounts ? { replicaRequests } : {}),
            ...(example ? { example } : {}),
          };
        });
    const all = this.fields.map((_, id) => id);
    const real = all.filter((id) => (darkCounts.perField[id] ?? 0) > 0 && !noise[id]);
    const noisy = all.filter((id) => noise[id]);
    return {
      dark: counts(dark, classified.dark),
      ...(classified.live && replica ? { replica: counts(replica, classified.live) } : {}),
      maxBodyBytes,
      fields: listed(real).slice(0, TOP_FIELDS),
      moreFields: Math.max(0, real.length - TOP_FIELDS),
      noise: listed(noisy).slice(0, TOP_FIELDS),
    };
  }

  /** Signature id → whether it holds a field that counts in this window. */
  private realSignatures(dark: ArrayLike<number>, replica?: ArrayLike<number>): boolean[] {
    const noise = this.noiseFields(dark, replica);
    return this.signatures.map((fields) => fields.some((id) => !noise[id]));
  }

  /** Field id → learned as noise: the replica differed there, and dark not clearly more often. */
  private noiseFields(dark: ArrayLike<number>, replica?: ArrayLike<number>): boolean[] {
    const noise = new Array<boolean>(this.fields.length).fill(false);
    if (!replica) return noise;
    const darkCounts = this.fieldCounts(dark);
    const replicaCounts = this.fieldCounts(replica);
    if (replicaCounts.trials === 0) return noise;
    for (let id = 0; id < this.fields.length; id++) {
      const noiseRate = (replicaCounts.perField[id] ?? 0) / replicaCounts.trials;
      const darkRate = darkCounts.trials === 0 ? 0 : (darkCounts.perField[id] ?? 0) / darkCounts.trials;
      noise[id] = noiseRate > 0 && !isRealDifference(darkRate, noiseRate);
    }
    return noise;
  }

  /** Compared requests in the codes, and per field how many of them differed there. */
  private fieldCounts(codes: ArrayLike<number>): { trials: number; perField: Float64Array } {
    const perSignature = new Map<number, number>();
    let trials = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i] as number;
      if (code < 0) continue;
      trials++;
      if (code !== NO_DIFFERENCE) perSignature.set(code, (perSignature.get(code) ?? 0) + 1);
    }
    const perField = new Float64Array(this.fields.length);
    for (const [signature, count] of perSignature) {
      for (const id of this.signatures[signature] ?? []) perField[id] = (perField[id] ?? 0) + count;
    }
    return { trials, perField };
  }

  private fieldId(field: string): number {
    const known = this.fieldIds.get(field);
    if (known !== undefined) return known;
    const name = this.fields.length < MAX_FIELDS - 1 ? field : OTHER_FIELDS;
    const existing = this.fieldIds.get(name);
    if (existing !== undefined) return existing;
    const id = this.fields.length;
    this.fields.push(name);
    this.fieldIds.set(name, id);
    this.examples.push([]);
    return id;
  }

  private signatureId(ids: readonly number[]): number {
    const key = ids.join(',');
    const known = this.signatureIds.get(key);
    if (known !== undefined) return known;
    if (this.signatures.length >= MAX_SIGNATURES) return this.signatureId([this.fieldId(OTHER_FIELDS)]);
    const id = this.signatures.length;
    this.signatures.push(Uint16Array.from(ids));
    this.signatureIds.set(key, id);
    return id;
  }

  private keepExample(id: number, difference: FieldDifference, request: RequestLabel): void {
    const kept = this.examples[id];
    if (!kept || kept.length >= EXAMPLES_PER_FIELD) return;
    const secret = difference.name !== undefined && this.secrets.matches(difference.name);
    const shown = (value: FieldDifference['live']) =>
      value === undefined
        ? undefined
        : secret
          ? '***'
          : truncate(
              jsonText(value, (key) => this.secrets.matches(key)),
              VALUE_CHARS,
            );
    const live = shown(difference.live);
    const dark = shown(difference.dark);
    kept.push({
      request: truncate(`${request.method} ${this.secrets.maskTarget(request.target)}`, REQUEST_CHARS),
      at: truncate(difference.at, REQUEST_CHARS),
      kind: difference.kind,
      ...(live === undefined ? {} : { live }),
      ...(dark === undefined ? {} : { dark }),
    });
  }
}

function attempted(codes: ArrayLike<number>): boolean {
  for (let i = 0; i < codes.length; i++) if (codes[i] !== NOT_ATTEMPTED) return true;
  return false;
}

function counts(codes: ArrayLike<number>, outcomes: ArrayLike<number>): ComparisonCounts {
  let compared = 0;
  let mismatched = 0;
  const notCompared = {
    liveNoResponse: 0,
    otherNoResponse: 0,
    overLimit: 0,
    overBudget: 0,
  } satisfies NotComparedCounts;
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number;
    if (code === LIVE_NO_RESPONSE) notCompared.liveNoResponse++;
    else if (code === OTHER_NO_RESPONSE) notCompared.otherNoResponse++;
    else if (code === OVER_LIMIT) notCompared.overLimit++;
    else if (code === OVER_BUDGET) notCompared.overBudget++;
    else if (code >= 0) {
      compared++;
      if (outcomes[i] === MISMATCHED) mismatched++;
    }
  }
  return { compared, mismatched, notCompared };
}
