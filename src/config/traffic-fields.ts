import { parseImage, parseMirrorPercent } from './cluster-values.js';
import {
  DEFAULT_IGNORED_HEADERS,
  DEFAULT_MAX_BODY,
  DEFAULT_SECRET_NAMES,
  parseBodyBound,
  parseIgnoreRules,
  parseNamePatterns,
} from './compare-values.js';
import { type ConfigField, durationAtLeast, field } from './config-field.js';
import { parseHeaders } from './prometheus-values.js';
import { parseBoolean, parseChoice, parseInteger, parseText } from './scalar-values.js';
import {
  parseBody,
  parseLoadUrl,
  parseMethod,
  parsePositiveNumber,
  parseRequests,
  parseServiceAddress,
  parseTargetUrl,
} from './traffic-values.js';

/** A small, maintained image with `sh` and `curl`, pinned by tag. */
export const DEFAULT_LOAD_JOB_IMAGE = 'curlimages/curl:8.11.1';

/** Shadowgate's own traffic: where metrics come from, local versions, the mirroring proxy and the load. */
export const TRAFFIC_FIELDS: readonly ConfigField[] = [
  field({
    setting: 'metrics',
    input: 'metrics',
    file: 'metrics',
    default: 'prometheus',
    description:
      "Where the objectives' metrics come from: prometheus, or builtin (measured by Shadowgate's mirroring proxy, no Prometheus needed). Default: prometheus.",
    parse: (value, at) => parseChoice(value, at, ['prometheus', 'builtin']),
  }),
  field({
    setting: 'liveUrl',
    input: 'live-url',
    file: 'traffic.live.url',
    description:
      'Base URL of the live version, for mirror builtin (e.g. http://127.0.0.1:8080). With live-command, where the command listens.',
    parse: parseTargetUrl,
  }),
  field({
    setting: 'liveCommand',
    input: 'live-command',
    file: 'traffic.live.command',
    description:
      'Shell command that starts the live version (stopped after the run). Without live-url it gets a free port in $PORT.',
    parse: (value, at) => parseText(value, at, 'node server.js'),
  }),
  field({
    setting: 'darkUrl',
    input: 'dark-url',
    file: 'traffic.dark.url',
    description:
      'Base URL of the dark version, for mirror builtin. With dark-command, where the command listens.',
    parse: parseTargetUrl,
  }),
  field({
    setting: 'darkCommand',
    input: 'dark-command',
    file: 'traffic.dark.command',
    description:
      'Shell command that starts the dark version, e.g. `docker run --rm -p 8081:8080 shop/checkout:pr-42`. Without dark-url it gets a free port in $PORT.',
    parse: (value, at) => parseText(value, at, 'node server.js'),
  }),
  field({
    setting: 'liveReplicaUrl',
    input: 'live-replica-url',
    file: 'traffic.liveReplica.url',
    description:
      "Base URL of a second copy of the live version. The proxy sends it the mirrored requests too; fields on which it differs from live are noise, learned per field (as Diffy does), and its rate of differences is live's response-mismatch-rate.",
    parse: parseTargetUrl,
  }),
  field({
    setting: 'liveReplicaCommand',
    input: 'live-replica-command',
    file: 'traffic.liveReplica.command',
    description:
      'Shell command that starts the second copy of live (usually live-command again). Without live-replica-url it gets a free port in $PORT.',
    parse: (value, at) => parseText(value, at, 'node server.js'),
  }),
  field({
    setting: 'startTimeoutMs',
    input: 'start-timeout',
    file: 'traffic.startTimeout',
    default: '30s',
    description: 'How long a started version may take to answer HTTP (any status below 500). Default: 30s.',
    parse: durationAtLeast(1000, '30s'),
  }),
  field({
    setting: 'requestTimeoutMs',
    input: 'request-timeout',
    file: 'traffic.requestTimeout',
    default: '10s',
    description:
      'Timeout of one request sent by the load generator or the mirroring proxy; a timeout counts as an error. Default: 10s.',
    parse: durationAtLeast(100, '10s'),
  }),
  field({
    setting: 'mirror',
    input: 'mirror',
    file: 'traffic.mirror.mode',
    description:
      'builtin: a proxy on 127.0.0.1 forwards every request to live-url and copies mirror-percent of them to dark-url; none: no proxy. Default: builtin with metrics builtin, else none.',
    parse: (value, at) => parseChoice(value, at, ['builtin', 'none']),
  }),
  // The builtin proxy's share is the `mirror-percent` input (cluster-fields.ts): one setting for every mirror.
  field({
    setting: 'mirrorPercent',
    file: 'traffic.mirror.percent',
    description:
      'Share of live requests the builtin proxy copies to the dark version, above 0 and at most 100.',
    parse: parseMirrorPercent,
  }),
  field({
    setting: 'mirrorUnsafeMethods',
    input: 'mirror-unsafe-methods',
    file: 'traffic.mirror.unsafeMethods',
    default: 'false',
    description:
      'Also mirror POST, PUT, PATCH and DELETE (the dark version then repeats their side effects). Default: false.',
    parse: parseBoolean,
  }),
  field({
    setting: 'mirrorPort',
    input: 'mirror-port',
    file: 'traffic.mirror.port',
    default: '0',
    description:
      'Port of the mirroring proxy on 127.0.0.1, for pointing your own tests at it; 0 picks a free one. Default: 0.',
    parse: (value, at) => parseInteger(value, at, 0, 65_535),
  }),
  field({
    setting: 'compare',
    input: 'compare',
    file: 'compare.enabled',
    description:
      "Compare dark's answers with live's in the builtin proxy (status, headers, bodies: JSON field by field). Default: true when an objective uses response-mismatch-rate, or a live replica or another compare setting is given.",
    parse: parseBoolean,
  }),
  field({
    setting: 'compareIgnore',
    input: 'compare-ignore',
    file: 'compare.ignore',
    description: `What the comparison ignores: JSON paths (\`$.servedAt\`, \`$..id\`, \`$.items[*].updatedAt\`; a path covers everything below it) and response header names, one per line or a list. Always ignored: ${DEFAULT_IGNORED_HEADERS.join(', ')}, and framing headers.`,
    parse: parseIgnoreRules,
  }),
  field({
    setting: 'compareMaxBodyBytes',
    input: 'compare-max-body',
    file: 'compare.maxBody',
    default: DEFAULT_MAX_BODY,
    description: `Largest body kept per side for the comparison, in bytes (\`1Mi\`, \`512Ki\`), also after decompression; a request with a larger body is "not compared". Default: ${DEFAULT_MAX_BODY}.`,
    parse: parseBodyBound,
  }),
  field({
    setting: 'compareBodies',
    input: 'compare-bodies',
    file: 'compare.bodies',
    default: 'bytes',
    description:
      'How bodies that are not JSON are compared: bytes (exactly) or text (line endings, runs of spaces and tabs, and whitespace at line ends do not count). JSON bodies are always compared field by field. Default: bytes.',
    parse: (value, at) => parseChoice(value, at, ['bytes', 'text']),
  }),
  field({
    setting: 'compareSecrets',
    input: 'compare-secrets',
    file: 'compare.secrets',
    description: `Names (\`*\` as wildcard) of headers, query parameters and JSON fields whose values the report never shows, besides ${DEFAULT_SECRET_NAMES.join(', ')}.`,
    parse: parseNamePatterns,
  }),
  field({
    setting: 'loadRate',
    input: 'load-rate',
    file: 'traffic.load.rate',
    description:
      'Requests per second the built-in load generator sends for the whole run (open model: a constant arrival rate). Without it, no load is generated, unless load-replay keeps its recorded pace.',
    parse: (value, at) => parsePositiveNumber(value, at, 1_000_000, '50'),
  }),
  field({
    setting: 'loadConcurrency',
    input: 'load-concurrency',
    file: 'traffic.load.concurrency',
    default: '64',
    description:
      'Most load requests in flight (and connections); beyond it requests wait, and the wait counts in their latency. Default: 64.',
    parse: (value, at) => parseInteger(value, at, 1, 10_000),
  }),
  field({
    setting: 'loadUrl',
    input: 'load-url',
    file: 'traffic.load.url',
    description:
      'Where the load goes, e.g. an ingress URL (http:// or https://). Default: the mirroring proxy; with load-target job, the service under test inside the cluster (http://<service>.<namespace>.svc.cluster.local).',
    parse: parseLoadUrl,
  }),
  field({
    setting: 'loadTarget',
    input: 'load-target',
    file: 'traffic.load.target',
    default: 'url',
    description:
      'How the load reaches its target. url: straight from the runner to load-url (or the mirroring proxy). port-forward: through the Kubernetes API to a ready pod of load-service, for a runner that cannot reach the ingress. job: from inside the cluster, by a Job running curl at load-rate against load-url until cleanup deletes it. port-forward and job need the cluster settings. Default: url.',
    parse: (value, at) => parseChoice(value, at, ['url', 'port-forward', 'job']),
  }),
  field({
    setting: 'loadService',
    input: 'load-service',
    file: 'traffic.load.service',
    description:
      'With load-target port-forward, the Service to send the load to, as `[namespace/]name[:port]` (port by number or name; default its first port), e.g. `istio-system/istio-ingressgateway:80` so that the mesh mirrors the load. Default: the service under test.',
    parse: parseServiceAddress,
  }),
  field({
    setting: 'loadJobImage',
    input: 'load-job-image',
    file: 'traffic.load.jobImage',
    description: `With load-target job, the image the Job runs: it needs \`sh\` and \`curl\`. Default: ${DEFAULT_LOAD_JOB_IMAGE}.`,
    parse: parseImage,
  }),
  field({
    setting: 'loadMethod',
    input: 'load-method',
    file: 'traffic.load.method',
    default: 'GET',
    description: 'HTTP method of load requests that do not set their own. Default: GET.',
    parse: parseMethod,
  }),
  field({
    setting: 'loadHeaders',
    input: 'load-headers',
    file: 'traffic.load.headers',
    description: 'Headers of every load request, one `Name: value` per line.',
    parse: parseHeaders,
  }),
  field({
    setting: 'loadBody',
    input: 'load-body',
    file: 'traffic.load.body',
    description: 'Body of load requests that do not set their own.',
    parse: parseBody,
  }),
  field({
    setting: 'loadRequests',
    input: 'load-requests',
    file: 'traffic.load.requests',
    description:
      'Weighted requests to send: a YAML list (`- GET /products`, `- {method: POST, path: /cart, body: ..., weight: 0.2}`) or a file with one, or with one request per line. Default: GET /.',
    parse: parseRequests,
  }),
  field({
    setting: 'loadReplay',
    input: 'load-replay',
    file: 'traffic.load.replay',
    description:
      'A file of recorded requests to send instead of load-requests, at their recorded pace or at load-rate (open model, repeated until the run ends): a HAR 1.2 export, an access log in the common or combined log format, or JSON lines (one {method, path, headers, body, time} per line).',
    parse: (value, at) => parseText(value, at, '.github/shadowgate/traffic.har'),
  }),
  field({
    setting: 'loadReplayFormat',
    input: 'load-replay-format',
    file: 'traffic.load.replayFormat',
    default: 'auto',
    description: 'Format of load-replay: auto (from the content), har, access-log or jsonl. Default: auto.',
    parse: (value, at) => parseChoice(value, at, ['auto', 'har', 'access-log', 'jsonl']),
  }),
  field({
    setting: 'loadReplayUnsafeMethods',
    input: 'load-replay-unsafe-methods',
    file: 'traffic.load.replayUnsafeMethods',
    default: 'false',
    description:
      'Also replay recorded requests other than GET and HEAD (they reach live, and dark too with mirror-unsafe-methods). Default: false.',
    parse: parseBoolean,
  }),
];
