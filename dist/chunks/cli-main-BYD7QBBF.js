import { createRequire as __shadowgateCreateRequire } from 'node:module'; const require = __shadowgateCreateRequire(import.meta.url);
import{ACTION_INPUTS,EXPERIMENT_INPUT,STATUS_SYMBOL,VERSION,abortOnTermination,assessmentNotes,buildConfig,clusterOutcomeLines,describeDecision,describeStop,formatEstimate,formatReading,formatResolvedLimit,lastIteration,localRunId,renderMarkdownReport,responseDifferenceLines,runGate,statusDetail,systemClock,toResultJson,trafficLines}from"./chunk-BJ6JOJDH.js";import{ClusterError}from"./chunk-CMZRK4TR.js";import"./chunk-QFW7YZSY.js";import"./chunk-LRAZUHME.js";import{ConfigurationError}from"./chunk-LMDKXK65.js";import"./chunk-MEKL6JZH.js";import{readFileSync,writeFileSync}from"node:fs";import{parseArgs}from"node:util";var INPUT_FLAGS=Object.keys(ACTION_INPUTS).filter(name=>name!==EXPERIMENT_INPUT);function inputFlagOptions(){return Object.fromEntries(INPUT_FLAGS.map(name=>[name,{type:"string",multiple:!0}]))}function flagInputs(values,experimentPath){return name=>{if(name===EXPERIMENT_INPUT)return experimentPath??"";let value=values[name];return Array.isArray(value)?value.join(`
`):""}}function hasInputFlags(values){return INPUT_FLAGS.some(name=>values[name]!==void 0)}function inputFlagsHelp(){return INPUT_FLAGS.map(name=>`  --${name} <value>
      ${ACTION_INPUTS[name]?.description??""}`).join(`
`)}function plain(text){return text.replace(/[\u0000-\u001f\u007f-\u009f]/g," ")}function alignColumns(rows){let widths=rows.reduce((acc,row)=>row.map((cell,i)=>Math.max(acc[i]??0,cell.length)),[]);return rows.map(row=>row.map((cell,i)=>i===row.length-1?cell:cell.padEnd(widths[i]??0)).join("  ").trimEnd())}function objectiveRow(a,decision){let unit=a.objective.metric.unit,detail=statusDetail(a,decision),status=`${STATUS_SYMBOL[a.status]} ${a.status}${detail?` (${detail})`:""}`;return[a.objective.text,formatEstimate(a),a.live?formatReading(a.live,unit):"-",formatResolvedLimit(a.objective,a.limit),status].map(plain)}function renderTerminalReport(result,cluster){let{target}=result.plan,last=lastIteration(result),lines=[plain(`Shadowgate: ${result.plan.name}`),plain(`Target: ${target.namespace}/${target.service}  dark ${target.darkRevision}  live ${target.liveRevision??"-"}`),plain(`Metrics: ${result.source}`),""];return last?lines.push(`Objectives (iteration ${last.index}):`,...alignColumns([["Objective","Dark","Live","Limit","Status"],...last.assessments.map(a=>objectiveRow(a,result.plan.decision))]).map(row=>`  ${row}`),...assessmentNotes(last.assessments).map(note=>plain(`  ${note}`)),"",`Requests: dark ${formatReading(last.requests.dark,"count")}${last.requests.live?`  live ${formatReading(last.requests.live,"count")}`:""}`):lines.push("No iteration completed, so no objective was assessed."),lines.push(plain(`Run: ${describeStop(result)}`),plain(`Decision: ${describeDecision(result.plan)}`),...[...result.traffic?trafficLines(result.traffic):[],...cluster?clusterOutcomeLines(cluster):[]].map(([label,text])=>plain(`${label}: ${text}`)),...result.traffic?.compare?responseDifferenceLines(result.traffic.compare).map(plain):[],plain(`Verdict: ${result.verdict.toUpperCase()} - ${result.reason}`)),`${lines.join(`
`)}
`}var USAGE=`Usage: shadowgate run [experiment.yaml] [--<input> <value>]... [--report-file report.md] [--result-file result.json]

Evaluates the experiment's objectives (from Prometheus, or measured by Shadowgate's own traffic) and prints
the report. The experiment file is Shadowgate's own or an Iter8 v2alpha2 Experiment; every input of the action
is also a flag, which overrides the file (e.g. shadowgate run iter8-experiment.yaml --prometheus-url URL).
With a cluster section, first deploys the dark version and mirrors traffic to it, using your kubeconfig
(KUBECONFIG or ~/.kube/config), and restores the cluster afterwards, also on Ctrl-C. The dark version's
default suffix is GITHUB_SHA's first 7 characters; outside CI, set --revision-suffix.
Exit status: 0 pass, 1 fail (or the cluster refused a step), 2 inconclusive (or interrupted),
3 usage or configuration error.`,HELP=`${USAGE}

Options:
  --report-file <path>   Write the Markdown report (as the PR comment) there.
  --result-file <path>   Write the JSON result there.
  -h, --help             This text.
  --version              Shadowgate's version.

Inputs, as in action.yml (a flag given twice adds a line, as for objectives):
${inputFlagsHelp()}`,MORE="shadowgate --help lists every flag.",EXIT={pass:0,fail:1,inconclusive:2},EXIT_USAGE=3;async function cli(argv){let parsed;try{parsed=parseCommandLine(argv)}catch(error){return console.error(`${error instanceof Error?error.message:String(error)}

${USAGE}

${MORE}`),EXIT_USAGE}if(parsed.values.help)return console.log(HELP),0;if(parsed.values.version)return console.log(VERSION),0;let[command,file,...extra]=parsed.positionals;if(command!=="run"||!file&&!hasInputFlags(parsed.values)||extra.length>0)return console.error(`${USAGE}

${MORE}`),EXIT_USAGE;let log={info:line=>console.error(line),warning:line=>console.error(`Warning: ${line}`)},controller=abortOnTermination(log.warning);try{let config=buildConfig(flagInputs(parsed.values,file),{readFile:path=>readFileSync(path,"utf8"),commitSha:process.env.GITHUB_SHA},log.info),{result,config:evaluated,cluster}=await runGate(config,{clock:systemClock,log,signal:controller.signal,cluster:{runId:localRunId(),save:()=>{},mask:()=>{}}}),{"report-file":reportFile,"result-file":resultFile}=parsed.values;return reportFile&&writeFileSync(reportFile,renderMarkdownReport(result,{experimentName:evaluated.plan.name,...cluster?{cluster}:{}})),resultFile&&writeFileSync(resultFile,`${JSON.stringify(toResultJson(result),null,2)}
`),console.log(renderTerminalReport(result,cluster)),cluster?.promotionFailure!==void 0?EXIT.fail:EXIT[result.verdict]}catch(error){if(controller.signal.aborted)return console.error(`Interrupted: ${error instanceof Error?error.message:String(error)}`),EXIT.inconclusive;if(error instanceof ConfigurationError)return console.error(error.message),EXIT_USAGE;if(error instanceof ClusterError)return console.error(error.message),EXIT.fail;throw error}}function parseCommandLine(argv){return parseArgs({args:argv,allowPositionals:!0,options:{...inputFlagOptions(),"report-file":{type:"string"},"result-file":{type:"string"},help:{type:"boolean",short:"h"},version:{type:"boolean"}}})}export{cli};
