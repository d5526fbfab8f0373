/**
 * Escaping for values placed inside PromQL string literals. PromQL strings follow Go's escape rules, and
 * a raw newline ends a string with a parse error, so every control character is written as an escape.
 */

export type PromqlQuote = '"' | "'";

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

// Backslash, the quotes, control characters (C0, DEL, C1: also keeps rendered queries on one log line) and
// lone surrogates, which cannot be sent as UTF-8 (with the `u` flag a valid pair is one code point).
const NEEDS_ESCAPE = /[\\"'\p{Cc}\p{Cs}]/gu;

/** The content of a PromQL string literal delimited by `quote` (default `"`) that reads back as `value`. */
export function escapePromqlString(value: string, quote: PromqlQuote = '"'): string {
  return value.replace(NEEDS_ESCAPE, (char) => {
    if (char === '"' || char === "'") return char === quote ? `\\${char}` : char;
    const short = SHORT_ESCAPES[char];
    if (short) return short;
    const code = char.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return '\\uFFFD';
    return `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A double-quoted PromQL string literal that reads back as `value`. */
export function promqlString(value: string): string {
  return `"${escapePromqlString(value)}"`;
}

// The RE2 metacharacters, as Go's regexp.QuoteMeta escapes them.
const REGEX_META = /[\\.+*?()|[\]{}^$]/g;

/** A RE2 pattern that matches exactly `value` (Prometheus anchors label regexes at both ends). */
export function escapeRegexLiteral(value: string): string {
  return value.replace(REGEX_META, (char) => `\\${char}`);
}
