import type { CompareSummary, ComparisonCounts, DifferingField } from '../core/traffic-summary.js';
import { count, share } from './count-text.js';
import { escapeMarkdown } from './markdown-escape.js';

const KIND_TEXT: Readonly<Record<NonNullable<DifferingField['example']>['kind'], string>> = {
  changed: 'changed',
  type: 'other JSON type',
  missing: 'missing in dark',
  added: 'only in dark',
  length: 'other length',
};

/** One sentence on the comparison: how many differed, and how many were not compared and why. */
export function describeComparison(compare: CompareSummary): string {
  const { dark, replica } = compare;
  const noise = replica
    ? `; live against its replica ${count(replica.mismatched)} of ${count(replica.compared)} (${share(replica.mismatched, replica.compared)})${notCompared(replica, 'replica', compare.maxBodyBytes)}`
    : '';
  return (
    `dark's answers differed from live's in ${count(dark.mismatched)} of ${count(dark.compared)} compared requests ` +
    `(${share(dark.mismatched, dark.compared)})${notCompared(dark, 'dark', compare.maxBodyBytes)}${noise}`
  );
}

function notCompared({ notCompared: counts }: ComparisonCounts, side: string, maxBodyBytes: number): string {
  const reasons = [
    counts.liveNoResponse > 0 ? `${count(counts.liveNoResponse)} live gave no response` : '',
    counts.otherNoResponse > 0 ? `${count(counts.otherNoResponse)} ${side} gave no response` : '',
    counts.overLimit > 0 ? `${count(counts.overLimit)} with a body over ${bytes(maxBodyBytes)}` : '',
    counts.overBudget > 0
      ? `${count(counts.overBudget)} while the bodies held for requests in flight were at their budget`
      : '',
  ].filter(Boolean);
  const total = counts.liveNoResponse + counts.otherNoResponse + counts.overLimit + counts.overBudget;
  return total > 0 ? `, ${count(total)} not compared (${reasons.join(', ')})` : '';
}

function bytes(value: number): string {
  if (value % 2 ** 20 === 0) return `${value / 2 ** 20} MiB`;
  if (value % 1024 === 0) return `${value / 1024} KiB`;
  return `${count(value)} bytes`;
}

function exampleText({ field, example }: DifferingField): string {
  if (!example) return '';
  const values = [
    example.live === undefined ? undefined : `live ${example.live}`,
    example.dark === undefined ? undefined : `dark ${example.dark}`,
  ].filter(Boolean);
  const at = example.at === field ? '' : ` at ${example.at}`;
  return `${example.request}${at}: ${KIND_TEXT[example.kind]}, ${values.join(', ')}`;
}

/** The report's section: the top differing fields with one example each, then what was learned as noise. */
export function responseDifferencesSection(compare: CompareSummary): string {
  const lines = [
    '### Response differences',
    '',
    `${escapeMarkdown(capitalised(describeComparison(compare)))}.`,
  ];
  if (compare.fields.length > 0) {
    const rows = compare.fields.map((field) => {
      const example = field.example;
      return [
        escapeMarkdown(field.field),
        `${count(field.requests)} (${share(field.requests, compare.dark.compared)})`,
        escapeMarkdown(
          example ? `${example.request}${example.at === field.field ? '' : ` at ${example.at}`}` : '',
        ),
        escapeMarkdown(example?.live ?? '—'),
        escapeMarkdown(example?.dark ?? '—'),
      ];
    });
    lines.push(
      '',
      '| Field | Requests | Example | Live | Dark |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    );
    if (compare.moreFields > 0) lines.push('', `… and ${count(compare.moreFields)} more fields.`);
  }
  if (compare.noise.length > 0) {
    const noise = compare.noise.map(
      (field) =>
        `${escapeMarkdown(field.field)} (dark ${count(field.requests)}, replica ${count(field.replicaRequests ?? 0)})`,
    );
    lines.push('', `Learned as noise from the live replica, not counted: ${noise.join(', ')}.`);
  }
  return lines.join('\n');
}

/** For the terminal: the top differing fields, one line each. */
export function responseDifferenceLines(compare: CompareSummary): string[] {
  if (compare.fields.length === 0) return [];
  return [
    'Differing fields (dark against live):',
    ...compare.fields.map(
      (field) =>
        `  ${field.field}  ${count(field.requests)} requests (${share(field.requests, compare.dark.compared)})  e.g. ${exampleText(field)}`,
    ),
    ...(compare.moreFields > 0 ? [`  … and ${count(compare.moreFields)} more fields`] : []),
  ];
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
