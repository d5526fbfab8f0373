import { safeLinkTarget } from './markdown-escape.js';

/** GitHub rejects comment bodies over 65,536 characters; the default leaves room for a margin. */
const COMMENT_BODY_LIMIT = 65_000;

/** The note appended to a cut report, pointing to where the whole report is. */
export function truncationNote(runUrl?: string): string {
  const link = runUrl ? safeLinkTarget(runUrl) : undefined;
  const where = link
    ? `the [job summary of the workflow run](${link})`
    : 'the job summary of the workflow run';
  return `> [!NOTE]\n> This report was cut to fit GitHub's size limit. The full report is in ${where}.`;
}

interface OpenBlocks {
  /** The fence that opened the current code block, if inside one. */
  readonly fence?: string;
  /** `<details>` elements opened and not yet closed. */
  readonly details: number;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Tracks code fences (CommonMark: closed by the same character, at least as long, nothing after) and `<details>`. */
function afterLine(state: OpenBlocks, line: string): OpenBlocks {
  const fence = FENCE.exec(line)?.[1];
  if (state.fence) {
    const closes =
      fence !== undefined &&
      fence[0] === state.fence[0] &&
      fence.length >= state.fence.length &&
      line.trim() === fence;
    return closes ? { details: state.details } : state;
  }
  if (fence) return { fence, details: state.details };
  const opened = line.match(/<details[\s>]/gi)?.length ?? 0;
  const closed = line.match(/<\/details>/gi)?.length ?? 0;
  return { details: Math.max(0, state.details + opened - closed) };
}

/** Closers for what is open, each after a blank line (except the fence) so no table or paragraph absorbs it. */
function ending(state: OpenBlocks, note: string): string {
  const fence = state.fence ? [state.fence] : [];
  const details = Array.from({ length: state.details }, () => ['', '</details>']).flat();
  return [...fence, ...details, '', note, ''].join('\n');
}

/**
 * Cuts markdown to at most `limit` characters at a line boundary, closes an open code fence and any open
 * `<details>`, and appends `note`. Text within the limit is returned unchanged.
 */
export function truncateMarkdown(
  markdown: string,
  limit = COMMENT_BODY_LIMIT,
  note = truncationNote(),
): string {
  if (markdown.length <= limit) return markdown;
  const lines = markdown.split('\n');
  let kept = 0;
  let length = 0;
  let state: OpenBlocks = { details: 0 };
  let best = { kept: 0, state };
  for (const line of lines) {
    length += line.length + 1;
    if (length > limit) break;
    kept += 1;
    state = afterLine(state, line);
    if (length + ending(state, note).length <= limit) best = { kept, state };
  }
  const head = lines.slice(0, best.kept).join('\n');
  return `${head}${head ? '\n' : ''}${ending(best.state, note)}`;
}
