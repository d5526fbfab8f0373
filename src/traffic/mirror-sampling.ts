/** Methods that may change state on the server: not mirrored unless the user enables it. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase());
}

/**
 * Decides which requests are mirrored, deterministically: a request's key is its `x-request-id` when it has
 * one, else its method, path and body together with how many identical requests came before it in this run.
 * The same sequence of requests is therefore mirrored the same way on a re-run, and identical requests (say,
 * 10,000 × `GET /`) are still sampled at the configured share rather than all or none.
 */
export class MirrorSampler {
  /** Out of 2^32. */
  private readonly threshold: number;
  private readonly seen = new Map<number, number>();

  /** `percent` in (0, 100]. */
  constructor(percent: number) {
    this.threshold = Math.round((percent / 100) * 2 ** 32);
  }

  shouldMirror(method: string, path: string, body: Uint8Array | undefined, requestId?: string): boolean {
    if (this.threshold >= 2 ** 32) return true;
    let key: number;
    if (requestId !== undefined && requestId !== '') {
      key = fnv1a(requestId, FNV_OFFSET);
    } else {
      const content = fnv1aBytes(body, fnv1a(path, fnv1a(method, FNV_OFFSET)));
      const occurrence = this.seen.get(content) ?? 0;
      this.seen.set(content, occurrence + 1);
      key = Math.imul(content ^ occurrence, 0x9e3779b1);
    }
    return mix(key) < this.threshold;
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  return Math.imul(hash ^ 0xff, FNV_PRIME);
}

function fnv1aBytes(bytes: Uint8Array | undefined, seed: number): number {
  let hash = seed;
  if (bytes) for (const byte of bytes) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return hash >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the result, as an unsigned 32-bit number. */
function mix(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
