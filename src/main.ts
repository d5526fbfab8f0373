import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { systemClock } from './clock/system-clock.js';
import { buildConfig } from './config/build-config.js';
import type { ExperimentConfig } from './core/config.js';
import { ConfigurationError } from './core/configuration-error.js';
import type { ExperimentResult } from './core/result.js';
import { annotateBreaches, failureMessage, setActionOutputs } from './github/action-outputs.js';
import { createGitHubClient } from './github/github-client.js';
import { writeJobSummary } from './github/job-summary.js';
import { pullRequestNumber } from './github/pull-request.js';
import { upsertStickyComment } from './github/sticky-comment.js';
import { experimentMarker } from './report/comment-marker.js';
import { type ReportContext, renderMarkdownReport } from './report/markdown-report.js';
import { toResultJson } from './report/result-json.js';
import { runExperiment } from './run-experiment.js';
import { configSecrets, headerValues, SECRET_INPUTS } from './secrets.js';
import { VERSION } from './version.js';

/** The action's main step: read inputs, evaluate, report, and set the job's outcome. */
export async function main(): Promise<void> {
  core.saveState('isPost', 'true');
  core.info(`Version ${VERSION}`);
  const masked = new Set<string>();
  const mask = (secrets: string[]) => {
    for (const secret of secrets) {
      if (!secret || masked.has(secret)) continue;
      core.setSecret(secret);
      masked.add(secret);
    }
  };
  for (const name of SECRET_INPUTS) {
    const value = core.getInput(name);
    mask(name === 'prometheus-headers' ? headerValues(value) : [value]);
  }

  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => controller.abort(new Error(`received ${signal}`)));
  }

  try {
    const config = buildConfig((name) => core.getInput(name), {
      readFile: (path) => readFileSync(resolve(workspace, path), 'utf8'),
    });
    mask(configSecrets(config));
    for (const note of config.notes) core.info(note);
    const result = await runExperiment(config, { clock: systemClock, log: core, signal: controller.signal });
    await publish(result, config);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      core.setFailed(error.message);
      return;
    }
    throw error;
  }
}

async function publish(result: ExperimentResult, config: ExperimentConfig): Promise<void> {
  const { plan, reporting } = config;
  const repository = process.env.GITHUB_REPOSITORY;
  const runUrl = repository ? `${context.serverUrl}/${repository}/actions/runs/${context.runId}` : undefined;
  const marker = experimentMarker(plan.name);
  const reportContext: ReportContext = {
    experimentName: plan.name,
    marker,
    ...(repository && runUrl ? { runUrl, repository, sha: context.sha } : {}),
  };
  const markdown = renderMarkdownReport(result, reportContext);

  const directory = process.env.RUNNER_TEMP || tmpdir();
  const reportFile = join(directory, `shadowgate-${plan.name}-report.md`);
  const resultFile = join(directory, `shadowgate-${plan.name}-result.json`);
  await writeFile(reportFile, markdown);
  await writeFile(resultFile, `${JSON.stringify(toResultJson(result), null, 2)}\n`);
  await writeJobSummary(markdown);

  const wantsComment =
    reporting.comment === 'always' || (reporting.comment === 'on-failure' && result.verdict !== 'pass');
  const issueNumber = pullRequestNumber();
  if (wantsComment && issueNumber !== undefined && repository) {
    if (reporting.githubToken) {
      const outcome = await upsertStickyComment({
        octokit: createGitHubClient(reporting.githubToken),
        ...context.repo,
        issueNumber,
        marker,
        body: markdown,
        log: core,
        ...(runUrl ? { runUrl } : {}),
      });
      if (outcome.url) core.info(`PR comment ${outcome.outcome}: ${outcome.url}`);
    } else {
      core.warning('No github-token, so no PR comment was posted; the report is in the job summary.');
    }
  }

  setActionOutputs({
    verdict: result.verdict,
    reportFile,
    resultFile,
    darkRevision: plan.target.darkRevision,
  });
  core.info(`Verdict: ${result.verdict}: ${result.reason}`);
  if (result.verdict === 'fail') {
    annotateBreaches(result);
    core.setFailed(failureMessage(result));
  } else if (result.verdict === 'inconclusive') {
    if (reporting.onInconclusive === 'fail') core.setFailed(failureMessage(result));
    else core.warning(`${failureMessage(result)} (on-inconclusive: pass lets the job pass)`);
  }
}
