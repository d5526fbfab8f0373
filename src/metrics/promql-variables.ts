import { ConfigurationError } from '../core/configuration-error.js';
import { escapePromqlString, escapeRegexLiteral } from './promql-escape.js';

export interface PromqlVariable {
  readonly value: string;
  /** Free text from the user's inputs (names): allowed only inside string literals, where it is escaped. */
  readonly quotedOnly: boolean;
}

const VARIABLE = /\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/y;
const REGEX_MATCHER_BEFORE = /[=!]~\s*$/;

/**
 * Replaces `$name` and `${name}` in user PromQL. The scan follows PromQL's lexical structure, so each value
 * is escaped for the literal it lands in: `"…"` or `'…'` (and as a regex after `=~`/`!~`), or left out of
 * comments. `$1` and other names not starting with a letter are kept, for `label_replace` replacements.
 * Unknown variables, and names outside quotes, are configuration errors naming `input`.
 */
export function substituteVariables(
  promql: string,
  variables: Readonly<Record<string, PromqlVariable | undefined>>,
  input: string,
  example: string,
): string {
  let out = '';
  let quote: '"' | "'" | '`' | undefined;
  let regex = false;
  let i = 0;
  while (i < promql.length) {
    const char = promql.charAt(i);
    if (quote === undefined && char === '#') {
      const lineEnd = promql.indexOf('\n', i);
      const end = lineEnd === -1 ? promql.length : lineEnd;
      out += promql.slice(i, end);
      i = end;
      continue;
    }
    if (quote !== undefined && quote !== '`' && char === '\\') {
      out += promql.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (char === quote) {
      quote = undefined;
    } else if (quote === undefined && (char === '"' || char === "'" || char === '`')) {
      quote = char;
      regex = REGEX_MATCHER_BEFORE.test(out);
    } else if (char === '$') {
      VARIABLE.lastIndex = i;
      const match = VARIABLE.exec(promql);
      if (match) {
        const name = match[1] ?? match[2] ?? '';
        out += valueInContext(name, variables, { quote, regex }, input, example);
        i = VARIABLE.lastIndex;
        continue;
      }
    }
    out += char;
    i += 1;
  }
  return out;
}

function valueInContext(
  name: string,
  variables: Readonly<Record<string, PromqlVariable | undefined>>,
  context: { quote: '"' | "'" | '`' | undefined; regex: boolean },
  input: string,
  example: string,
): string {
  const variable = Object.hasOwn(variables, name) ? variables[name] : undefined;
  if (variable === undefined) {
    const known = Object.entries(variables)
      .filter(([, v]) => v !== undefined)
      .map(([n]) => `$${n}`)
      .join(', ');
    throw new ConfigurationError(
      input,
      `unknown variable $${name} in the query; known here: ${known}`,
      example,
    );
  }
  const { quote, regex } = context;
  if (quote === undefined) {
    if (variable.quotedOnly) {
      throw new ConfigurationError(
        input,
        `$${name} must be inside a quoted string (e.g. revision_name="$${name}") so its value is escaped`,
        example,
      );
    }
    return variable.value;
  }
  const pattern = regex ? escapeRegexLiteral(variable.value) : variable.value;
  if (quote !== '`') return escapePromqlString(pattern, quote);
  // A raw string has no escapes, so a backtick in the value could not be represented.
  if (pattern.includes('`')) {
    throw new ConfigurationError(input, `the value of $${name} contains a backtick; use "$${name}"`, example);
  }
  return pattern;
}
