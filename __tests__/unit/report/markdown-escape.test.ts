import { describe, expect, it } from 'vitest';
import { experimentMarker } from '../../../src/report/comment-marker.js';
import { escapeMarkdown, fencedCodeBlock } from '../../../src/report/markdown-escape.js';
import { renderMarkdownReport } from '../../../src/report/markdown-report.js';
import { buildPlan, failResult } from '../../fixtures/experiment-result.js';

const HOSTILE = 'evil|name<script>alert(1)</script>&amp;`code`[x](https://evil.example)\\\n| injected |';

describe('escapeMarkdown', () => {
  it('leaves no character that opens HTML, a table cell, a code span or a link', () => {
    const escaped = escapeMarkdown(HOSTILE);
    expect(escaped).not.toMatch(/[<>|`[\]\\\n]/);
    expect(escaped).toContain('&lt;script&gt;');
    expect(escaped).toContain('&amp;amp;');
  });

  it('keeps an untrusted @mention from notifying anyone', () => {
    expect(escapeMarkdown('ping @octocat and @org/team')).toBe('ping &#64;octocat and &#64;org/team');
  });
});

describe('fencedCodeBlock', () => {
  it('uses a fence longer than any backtick run in the text', () => {
    const block = fencedCodeBlock('a ```` b ` c', 'promql');
    expect(block.startsWith('`````promql\n')).toBe(true);
    expect(block.endsWith('\n`````')).toBe(true);
  });

  it('uses three backticks for text without any', () => {
    expect(fencedCodeBlock('up', 'promql')).toBe('```promql\nup\n```');
  });
});

describe('experimentMarker', () => {
  it('cannot be closed early by the experiment name', () => {
    expect(experimentMarker('a --> <b>')).toBe('<!-- shadowgate:experiment=a_-___b_ -->');
  });
});

describe('renderMarkdownReport with hostile strings', () => {
  const plan = buildPlan();
  const base = failResult();
  const hostile = {
    ...base,
    reason: HOSTILE,
    source: HOSTILE,
    plan: {
      ...plan,
      target: { namespace: HOSTILE, service: 'svc', darkRevision: HOSTILE, liveRevision: HOSTILE },
    },
    iterations: base.iterations.map((it) => ({
      ...it,
      reason: HOSTILE,
      assessments: it.assessments.map((a) => ({ ...a, reason: HOSTILE })),
    })),
    queries: [{ metricId: HOSTILE, version: 'dark' as const, query: 'up{a="```"} | `x`' }],
  };
  const md = renderMarkdownReport(hostile, { experimentName: HOSTILE, repository: HOSTILE, sha: 'abc' });

  it('never emits the raw markup', () => {
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('](https://evil.example)');
    expect(md).not.toContain('| injected |');
  });

  it('keeps every table row with its column count', () => {
    for (const line of md.split('\n').filter((l) => l.startsWith('| '))) {
      const cells = line.split('|').length - 2;
      expect([5, 7]).toContain(cells);
    }
  });

  it('puts queries in a fence their backticks cannot close', () => {
    expect(md).toContain('````promql\nup{a="```"} | `x`\n````');
  });
});
