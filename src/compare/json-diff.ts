import type { PathSegment } from './json-path.js';

/**
 * A JSON number as written, so that numbers are compared as the decimals they denote: `1`, `1.0` and `1e0` are
 * equal, while `12345678901234567890` and `12345678901234567891` (one double apart from nothing) are not.
 */
export class JsonNumber {
  private canonicalForm: string | undefined;

  constructor(readonly source: string) {}

  /** Sign, significant digits and exponent, with no leading or trailing zeros: `1.50e2` → `15e1`. */
  get canonical(): string {
    this.canonicalForm ??= canonicalDecimal(this.source);
    return this.canonicalForm;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/** JSON.parse, with every number kept as its source text (Node 21+ hands the reviver each primitive's source). */
export function parseJson(text: string): JsonValue {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' ? new JsonNumber(context?.source ?? String(value)) : value,
  ) as JsonValue;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function canonicalDecimal(source: string): string {
  const match = DECIMAL.exec(source);
  if (!match) return source;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(exponentText) - fraction.length;
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return `${sign}${digits}e${exponent}`;
}

/**
 * - `changed`: same JSON type, other value;
 * - `type`: another JSON type (`"19.99"` against `19.99`);
 * - `missing`: in live's answer, not in dark's; `added`: the other way round;
 * - `length`: arrays of different lengths (compared as wholes: an insertion would shift every element).
 */
export type DifferenceKind = 'changed' | 'type' | 'missing' | 'added' | 'length';

export interface JsonDifference {
  readonly path: readonly PathSegment[];
  readonly kind: DifferenceKind;
  /** Absent for `added`. */
  readonly live?: JsonValue;
  /** Absent for `missing`. */
  readonly dark?: JsonValue;
}

/** Beyond this many differences in one pair of bodies the rest are not listed: the answer differs either way. */
export const MAX_DIFFERENCES_PER_BODY = 100;

/**
 * The differences between two parsed bodies, field by field, in document order. Object keys are compared as sets
 * (their order does not matter); arrays index by index. `ignored` prunes a path and everything below it.
 */
export function diffJson(
  live: JsonValue,
  dark: JsonValue,
  ignored: (path: readonly PathSegment[]) => boolean = () => false,
): JsonDifference[] {
  const differences: JsonDifference[] = [];
  const path: PathSegment[] = [];
  const add = (difference: JsonDifference) => {
    if (differences.length < MAX_DIFFERENCES_PER_BODY) differences.push(difference);
  };
  const walk = (left: JsonValue, right: JsonValue): void => {
    if (differences.length >= MAX_DIFFERENCES_PER_BODY || ignored(path)) return;
    const leftType = typeOf(left);
    const rightType = typeOf(right);
    if (leftType !== rightType) {
      add({ path: [...path], kind: 'type', live: left, dark: right });
      return;
    }
    if (Array.isArray(left) && Array.isArray(right)) {
      if (left.length !== right.length) {
        add({ path: [...path], kind: 'length', live: left, dark: right });
        return;
      }
      for (let i = 0; i < left.length; i++) {
        path.push(i);
        walk(left[i] as JsonValue, right[i] as JsonValue);
        path.pop();
      }
      return;
    }
    if (leftType === 'object') {
      const leftObject = left as Record<string, JsonValue>;
      const rightObject = right as Record<string, JsonValue>;
      for (const key of Object.keys(leftObject)) {
        path.push(key);
        if (!Object.hasOwn(rightObject, key)) {
          if (!ignored(path)) add({ path: [...path], kind: 'missing', live: leftObject[key] as JsonValue });
        } else {
          walk(leftObject[key] as JsonValue, rightObject[key] as JsonValue);
        }
        path.pop();
      }
      for (const key of Object.keys(rightObject)) {
        if (Object.hasOwn(leftObject, key)) continue;
        path.push(key);
        if (!ignored(path)) add({ path: [...path], kind: 'added', dark: rightObject[key] as JsonValue });
        path.pop();
      }
      return;
    }
    if (!samePrimitive(left, right)) add({ path: [...path], kind: 'changed', live: left, dark: right });
  };
  walk(live, dark);
  return differences;
}

type JsonType = 'null' | 'boolean' | 'string' | 'number' | 'array' | 'object';

function typeOf(value: JsonValue): JsonType {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return 'number';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'string' | 'object';
}

function samePrimitive(left: JsonValue, right: JsonValue): boolean {
  if (left instanceof JsonNumber && right instanceof JsonNumber) {
    return left.source === right.source || left.canonical === right.canonical;
  }
  return left === right;
}

/**
 * A value as JSON text, numbers as written, for examples in reports; members whose key `secret` names are shown as
 * `"***"`, at any depth.
 */
export function jsonText(value: JsonValue, secret: (key: string) => boolean = () => false): string {
  if (value instanceof JsonNumber) return value.source;
  if (Array.isArray(value)) return `[${value.map((item) => jsonText(item, secret)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(
      ([key, item]) => `${JSON.stringify(key)}:${secret(key) ? '"***"' : jsonText(item, secret)}`,
    );
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}
