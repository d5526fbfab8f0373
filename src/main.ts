import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { CLUSTER_STATE, LOCAL_PROCESSES_STATE } from './action-state.js';
import { abortOnTermination } from './cancellation.js';
import { systemClock } from './clock/system-clock.js';
import { ClusterError } from './cluster/cluster-error.js';
import { buildConfig } from './config/build-config.js';
import type { ExperimentConfig } from './core/config.js';
import { ConfigurationError } from './core/configuration-error.js';
import { annotateBreaches, failureMessage, setActionOutputs } from './github/action-outputs.js';
import { createGitHubClient } from './github/github-client.js';
import { writeJobSummary } from './github/job-summary.js';
import { pullRequestNumber } from './github/pull-request.js';
import { upsertStickyComment } from './github/sticky-comment.js';
import { experimentMarker } from './report/comment-marker.js';
import { type ReportContext, renderErrorReport, renderMarkdownReport } from './report/markdown-report.js';
import { toResultJson } from './report/result-json.js';
import { type GateRun, localRunId, runGate } from './run-dark-launch.js';
import { awsEnvironmentSecrets, configSecrets, inputSecrets, maskOnce } from './secrets.js';
import { savingRegistry } from './traffic/local-process.js';
import { VERSION } from './version.js';

/** The action's main step: read inputs, run the gate (with its cluster side, if any), report, set the outcome. */
export async function main(): Promise<void> {
  core.info(`Version ${VERSION}`);
  const mask = maskOnce((secret) => core.setSecret(secret));
  mask(inputSecrets((name) => core.getInput(name)));
  mask(awsEnvironmentSecrets(process.env));

  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const cancellation = abortOnTermination((line) => core.warning(line));

  let config: ExperimentConfig | undefined;
  try {
    config = buildConfig(
      (name) => core.getInput(name),
      {
        readFile: (path) => readFileSync(resolve(workspace, path), 'utf8'),
        commitSha: process.env.GITHUB_SHA,
      },
      (note) => core.info(note),
    );
    mask(configSecrets(config));
    const run = await runGate(config, {
      clock: systemClock,
      log: core,
      signal: cancellation.signal,
      mask: (secret) => mask([secret]),
      cluster: {
        runId: gitHubRunId(),
        save: (state) => core.saveState(CLUSTER_STATE, state),
        mask: (secret) => mask([secret]),
      },
      processes: savingRegistry((state) => core.saveState(LOCAL_PROCESSES_STATE, state)),
    });
    // A cancelled run still publishes its report, but fails with one error: the cancellation, not its verdict.
    const cancelled = () => cancellation.signal.aborted;
    await publish(run, cancelled);
    if (cancelled()) {
      core.setFailed(
        `Shadowgate was cancelled: ${reasonOf(cancellation.signal)} (verdict ${run.result.verdict}: ${run.result.reason})`,
      );
    }
  } catch (error) {
    if (cancellation.signal.aborted) {
      core.setFailed(`Shadowgate was cancelled: ${reasonOf(cancellation.signal)}. ${messageOf(error)}`);
    } else if (error instanceof ConfigurationError || error instanceof ClusterError) {
      // Past reading the config, the run failed in the cluster: the PR and the job summary say so too.
      if (config) await publishError(config, error.message);
      core.setFailed(error.message);
    } else {
      throw error;
    }
  }
}

/** The run id every created object is labelled with: unique per workflow run and attempt. */
function gitHubRunId(): string {
  const { GITHUB_RUN_ID: id, GITHUB_RUN_ATTEMPT: attempt } = process.env;
  return id ? `${id}-${attempt || '1'}` : localRunId();
}

function reasonOf(signal: AbortSignal): string {
  return messageOf(signal.reason);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where the report links to, and the hidden marker of the experiment's sticky comment. */
function reportContext(config: ExperimentConfig, cluster?: GateRun['cluster']): ReportContext {
  const { name } = config.plan;
  const repository = process.env.GITHUB_REPOSITORY;
  const runUrl = repository ? `${context.serverUrl}/${repository}/actions/runs/${context.runId}` : undefined;
  return {
    experimentName: name,
    marker: experimentMarker(name),
    ...(repository && runUrl ? { runUrl, repository, sha: context.sha } : {}),
    ...(cluster ? { cluster } : {}),
  };
}

/** The job summary and, unless comment is never, the sticky PR comment of a run that reached no verdict. */
async function publishError(config: ExperimentConfig, message: string): Promise<void> {
  const markdown = renderErrorReport(message, reportContext(config));
  await writeJobSummary(markdown);
  if (config.reporting.comment !== 'never') await postComment(config, markdown);
}

async function publish({ result, config, cluster }: GateRun, cancelled: () => boolean): Promise<void> {
  const { plan, reporting } = config;
  const report = reportContext(config, cluster);
  const markdown = renderMarkdownReport(result, report);

  const directory = process.env.RUNNER_TEMP || tmpdir();
  const reportFile = join(directory, `shadowgate-${plan.name}-report.md`);
  const resultFile = join(directory, `shadowgate-${plan.name}-result.json`);
  await writeFile(reportFile, markdown);
  await writeFile(resultFile, `${JSON.stringify(toResultJson(result), null, 2)}\n`);
  await writeJobSummary(markdown);

  const wantsComment =
    reporting.comment === 'always' || (reporting.comment === 'on-failure' && result.verdict !== 'pass');
  if (wantsComment) await postComment(config, markdown);

  setActionOutputs({
    verdict: result.verdict,
    reportFile,
    resultFile,
    darkRevision: plan.target.darkRevision,
  });
  core.info(`Verdict: ${result.verdict}: ${result.reason}`);
  if (cancelled()) return;
  if (cluster?.promotionFailure !== undefined) {
    core.setFailed(`Shadowgate passed, but promotion failed: ${cluster.promotionFailure}`);
  } else if (result.verdict === 'fail') {
    annotateBreaches(result);
    core.setFailed(failureMessage(result));
  } else if (result.verdict === 'inconclusive') {
    if (reporting.onInconclusive === 'fail') core.setFailed(failureMessage(result));
    else core.warning(`${failureMessage(result)} (on-inconclusive: pass lets the job pass)`);
  }
}

/** Creates or updates the experiment's sticky comment on the pull request, if the run is on one. */
async function postComment(config: ExperimentConfig, markdown: string): Promise<void> {
  const { reporting, plan } = config;
  const issueNumber = pullRequestNumber();
  const repository = process.env.GITHUB_REPOSITORY;
  if (issueNumber === undefined || !repository) return;
  if (!reporting.githubToken) {
    core.warning('No github-token, so no PR comment was posted; the report is in the job summary.');
    return;
  }
  const { runUrl } = reportContext(config);
  const outcome = await upsertStickyComment({
    octokit: createGitHubClient(reporting.githubToken),
    ...context.repo,
    issueNumber,
    marker: experimentMarker(plan.name),
    body: markdown,
    log: core,
    ...(runUrl ? { runUrl } : {}),
    ...(reporting.commentAuthor ? { author: reporting.commentAuthor } : {}),
  });
  if (outcome.url) core.info(`PR comment ${outcome.outcome}: ${outcome.url}`);
}
