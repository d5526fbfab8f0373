/**
 * Names whose values reports never show: headers, query parameters and JSON keys matching one of the patterns
 * (`*` matches any run of characters; case does not matter).
 */
export class SecretNames {
  private readonly pattern: RegExp;

  constructor(patterns: readonly string[]) {
    const alternatives = patterns.map((pattern) =>
      pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*'),
    );
    this.pattern = alternatives.length ? new RegExp(`^(?:${alternatives.join('|')})$`, 'i') : /(?!)/;
  }

  matches(name: string): boolean {
    return this.pattern.test(name);
  }

  /** A request target with the values of secret query parameters replaced by `***`. */
  maskTarget(target: string): string {
    const query = target.indexOf('?');
    if (query < 0) return target;
    const parameters = target
      .slice(query + 1)
      .split('&')
      .map((parameter) => {
        const equals = parameter.indexOf('=');
        if (equals < 0) return parameter;
        const name = safeDecode(parameter.slice(0, equals));
        return this.matches(name) ? `${parameter.slice(0, equals)}=***` : parameter;
      });
    return `${target.slice(0, query)}?${parameters.join('&')}`;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** At most `max` characters, the cut marked with `…`, never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
