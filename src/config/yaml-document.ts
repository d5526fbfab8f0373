import { isScalar, parseDocument, visit } from 'yaml';
import { ConfigurationError } from '../core/configuration-error.js';

/** Experiment files are small; anything bigger is a mistake or an attack. */
export const MAX_YAML_BYTES = 1024 * 1024;

/** Enough for the odd shared anchor; an alias bomb needs thousands. */
const MAX_ALIAS_COUNT = 20;

/**
 * One YAML document as plain JS values. Every failure (syntax, duplicate keys, several documents, too many
 * aliases, too large) is a ConfigurationError naming `input`.
 */
export function parseYaml(text: string, input: string, example: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_YAML_BYTES) {
    throw new ConfigurationError(input, `the YAML is larger than ${MAX_YAML_BYTES / 1024} KiB`, example);
  }
  try {
    // yaml's own uniqueKeys check is quadratic in the keys of a mapping; ours is linear.
    const document = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: false });
    const error = document.errors[0];
    if (error) throw new ConfigurationError(input, `invalid YAML: ${firstLine(error.message)}`, example);
    const duplicate = firstDuplicateKey(document);
    if (duplicate !== undefined) {
      throw new ConfigurationError(
        input,
        `invalid YAML: the key ${JSON.stringify(duplicate)} appears twice`,
        example,
      );
    }
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    // Alias bombs (ReferenceError), pathological nesting (RangeError) and anything else the parser throws.
    throw new ConfigurationError(input, `unreadable YAML: ${firstLine(String(error))}`, example);
  }
}

/** A plain YAML mapping, as `toJS` returns it. */
export function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstDuplicateKey(document: Parameters<typeof visit>[0]): unknown {
  let duplicate: unknown;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const value = isScalar(key) ? key.value : key;
        if (seen.has(value)) {
          duplicate = value;
          return visit.BREAK;
        }
        seen.add(value);
      }
      return undefined;
    },
  });
  return duplicate;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
