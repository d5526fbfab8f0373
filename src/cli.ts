#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock } from './clock/system-clock.js';
import { buildConfig } from './config/build-config.js';
import { ConfigurationError } from './core/configuration-error.js';
import type { Verdict } from './core/model.js';
import { renderMarkdownReport } from './report/markdown-report.js';
import { toResultJson } from './report/result-json.js';
import { renderTerminalReport } from './report/terminal-report.js';
import { runExperiment } from './run-experiment.js';
import { VERSION } from './version.js';

const USAGE = `Usage: shadowgate run <experiment.yaml> [--report-file report.md] [--result-file result.json]

Evaluates the experiment's objectives (from Prometheus, or measured by Shadowgate's own traffic) and prints
the report.
Exit status: 0 pass, 1 fail, 2 inconclusive, 3 usage or configuration error.`;

const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, inconclusive: 2 };
const EXIT_USAGE = 3;

async function cli(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.values.version) {
    console.log(VERSION);
    return 0;
  }
  const [command, file, ...extra] = parsed.positionals;
  if (command !== 'run' || !file || extra.length > 0) {
    console.error(USAGE);
    return EXIT_USAGE;
  }

  const log = { info: (line: string) => console.error(line) };
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => controller.abort(new Error(`received ${signal}`)));
  }
  try {
    const config = buildConfig((name) => (name === 'experiment' ? file : ''), {
      readFile: (path) => readFileSync(path, 'utf8'),
    });
    for (const note of config.notes) log.info(note);
    const result = await runExperiment(config, { clock: systemClock, log, signal: controller.signal });
    const { 'report-file': reportFile, 'result-file': resultFile } = parsed.values;
    if (reportFile)
      writeFileSync(reportFile, renderMarkdownReport(result, { experimentName: config.plan.name }));
    if (resultFile) writeFileSync(resultFile, `${JSON.stringify(toResultJson(result), null, 2)}\n`);
    console.log(renderTerminalReport(result));
    return EXIT[result.verdict];
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      return EXIT_USAGE;
    }
    throw error;
  }
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'report-file': { type: 'string' },
      'result-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
}

process.exitCode = await cli(process.argv.slice(2));
