import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapePromqlString, escapeRegexLiteral, promqlString } from '../../../src/metrics/promql-escape.js';

/** Reads a PromQL string literal's content back as Prometheus's lexer would (the escapes we emit). */
function unquote(content: string, quote: '"' | "'"): string {
  let out = '';
  for (let i = 0; i < content.length; i += 1) {
    const char = content.charAt(i);
    if (char === quote || char === '\n') throw new Error(`unescaped ${JSON.stringify(char)} at ${i}`);
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = content.charAt(++i);
    const simple: Record<string, string> = { '\\': '\\', n: '\n', r: '\r', t: '\t', [quote]: quote };
    if (next in simple) out += simple[next];
    else if (next === 'u') {
      out += String.fromCharCode(Number.parseInt(content.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new Error(`unknown escape \\${next}`);
  }
  return out;
}

const hostile = [
  'checkout-00002',
  'a"b',
  "a'b",
  'back\\slash',
  'line\nbreak',
  'cr\rtab\t',
  '"} or vector(1) #',
  '"}[5m])) or on() vector(0) or up{x="',
  'nul\u0000bell\u0007del\u007fc1\u0085',
  'ünïcödé 🚀',
  '',
];

describe('escapePromqlString', () => {
  it.each(hostile)('round-trips %j in double quotes', (value) => {
    expect(unquote(escapePromqlString(value), '"')).toBe(value);
  });

  it.each(hostile)('round-trips %j in single quotes', (value) => {
    expect(unquote(escapePromqlString(value, "'"), "'")).toBe(value);
  });

  it('round-trips any well-formed string, and never leaves a raw newline or closing quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        expect(unquote(escapePromqlString(value), '"')).toBe(value);
        expect(unquote(escapePromqlString(value, "'"), "'")).toBe(value);
      }),
    );
  });

  it('leaves the other quote alone and escapes controls visibly', () => {
    expect(escapePromqlString(`it's "x"`)).toBe(`it's \\"x\\"`);
    expect(escapePromqlString(`it's "x"`, "'")).toBe(`it\\'s "x"`);
    expect(escapePromqlString('a\u0000\u009fb')).toBe('a\\u0000\\u009fb');
  });

  it('replaces lone surrogates, which cannot be sent as UTF-8', () => {
    expect(escapePromqlString('a\ud800b')).toBe('a\\uFFFDb');
    expect(escapePromqlString('🚀')).toBe('🚀');
  });

  it('quotes a literal', () => {
    expect(promqlString('a"b')).toBe('"a\\"b"');
  });
});

describe('escapeRegexLiteral', () => {
  it('escapes every RE2 metacharacter so the pattern matches only the value', () => {
    const value = 'a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o';
    const escaped = escapeRegexLiteral(value);
    expect(escaped).toBe('a\\.b\\+c\\*d\\?e\\(f\\)g\\|h\\[i\\]j\\{k\\}l\\^m\\$n\\\\o');
    // JavaScript's regex syntax agrees with RE2 on these escapes.
    expect(new RegExp(`^(?:${escaped})$`).test(value)).toBe(true);
    expect(new RegExp(`^(?:${escapeRegexLiteral('a.c')})$`).test('abc')).toBe(false);
  });

  it('matches exactly any value', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(new RegExp(`^(?:${escapeRegexLiteral(value)})$`, 'u').test(value)).toBe(true);
      }),
    );
  });
});
