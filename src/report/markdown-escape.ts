/**
 * Escaping for untrusted text (experiment names, reasons, Prometheus label values, queries) placed into
 * GitHub-flavoured markdown. GitHub renders comment and summary markdown with inline HTML allowed, so
 * every character that could open a tag, an entity, a table cell, a code span or a link is replaced by
 * its numeric entity. Line breaks become spaces so a value can never end a table row.
 */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '`': '&#96;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  // An untrusted `@name` must not notify anyone from a PR comment.
  '@': '&#64;',
};

export function escapeMarkdown(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, ' ').replace(/[&<>|`[\]\\@]/g, (c) => ENTITIES[c] ?? c);
}

/** A fenced code block whose fence is longer than any backtick run in `text`, so the text cannot close it. */
export function fencedCodeBlock(text: string, info = ''): string {
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** An http(s) URL usable as a markdown link target, with characters that would end the target encoded. */
export function safeLinkTarget(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  return url.replace(/[()<>\s]/g, (c) => encodeURIComponent(c));
}
