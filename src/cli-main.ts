import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { abortOnTermination } from './cancellation.js';
import { systemClock } from './clock/system-clock.js';
import { ClusterError } from './cluster/cluster-error.js';
import { buildConfig } from './config/build-config.js';
import { flagInputs, hasInputFlags, inputFlagOptions, inputFlagsHelp } from './config/cli-flags.js';
import { ConfigurationError } from './core/configuration-error.js';
import type { Verdict } from './core/model.js';
import { renderMarkdownReport } from './report/markdown-report.js';
import { toResultJson } from './report/result-json.js';
import { renderTerminalReport } from './report/terminal-report.js';
import { localRunId, runGate } from './run-dark-launch.js';
import { VERSION } from './version.js';

const USAGE = `Usage: shadowgate run [experiment.yaml] [--<input> <value>]... [--report-file report.md] [--result-file result.json]

Evaluates the experiment's objectives (from Prometheus, or measured by Shadowgate's own traffic) and prints
the report. The experiment file is Shadowgate's own or an Iter8 v2alpha2 Experiment; every input of the action
is also a flag, which overrides the file (e.g. shadowgate run iter8-experiment.yaml --prometheus-url URL).
With a cluster section, first deploys the dark version and mirrors traffic to it, using your kubeconfig
(KUBECONFIG or ~/.kube/config), and restores the cluster afterwards, also on Ctrl-C. The dark version's
default suffix is GITHUB_SHA's first 7 characters; outside CI, set --revision-suffix.
Exit status: 0 pass, 1 fail (or the cluster refused a step), 2 inconclusive (or interrupted),
3 usage or configuration error.`;

const HELP = `${USAGE}

Options:
  --report-file <path>   Write the Markdown report (as the PR comment) there.
  --result-file <path>   Write the JSON result there.
  -h, --help             This text.
  --version              Shadowgate's version.

Inputs, as in action.yml (a flag given twice adds a line, as for objectives):
${inputFlagsHelp()}`;

const MORE = 'shadowgate --help lists every flag.';

const EXIT: Record<Verdict, number> = { pass: 0, fail: 1, inconclusive: 2 };
const EXIT_USAGE = 3;

/** `shadowgate …args`: resolves to the exit status. */
export async function cli(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n\n${MORE}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.values.version) {
    console.log(VERSION);
    return 0;
  }
  const [command, file, ...extra] = parsed.positionals;
  if (command !== 'run' || (!file && !hasInputFlags(parsed.values)) || extra.length > 0) {
    console.error(`${USAGE}\n\n${MORE}`);
    return EXIT_USAGE;
  }

  const log = {
    info: (line: string) => console.error(line),
    warning: (line: string) => console.error(`Warning: ${line}`),
  };
  const controller = abortOnTermination(log.warning);
  try {
    const config = buildConfig(
      flagInputs(parsed.values, file),
      { readFile: (path) => readFileSync(path, 'utf8'), commitSha: process.env.GITHUB_SHA },
      log.info,
    );
    const {
      result,
      config: evaluated,
      cluster,
    } = await runGate(config, {
      clock: systemClock,
      log,
      signal: controller.signal,
      // No saved state outside Actions: cleanup happens in this process, and what a killed run leaves behind
      // carries its run label, so the next run's sweep removes it.
      cluster: { runId: localRunId(), save: () => {}, mask: () => {} },
    });
    const { 'report-file': reportFile, 'result-file': resultFile } = parsed.values;
    if (reportFile) {
      writeFileSync(
        reportFile,
        renderMarkdownReport(result, {
          experimentName: evaluated.plan.name,
          ...(cluster ? { cluster } : {}),
        }),
      );
    }
    if (resultFile) writeFileSync(resultFile, `${JSON.stringify(toResultJson(result), null, 2)}\n`);
    console.log(renderTerminalReport(result, cluster));
    if (cluster?.promotionFailure !== undefined) return EXIT.fail;
    return EXIT[result.verdict];
  } catch (error) {
    if (controller.signal.aborted) {
      console.error(`Interrupted: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT.inconclusive;
    }
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      return EXIT_USAGE;
    }
    if (error instanceof ClusterError) {
      console.error(error.message);
      return EXIT.fail;
    }
    throw error;
  }
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...inputFlagOptions(),
      'report-file': { type: 'string' },
      'result-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
}
