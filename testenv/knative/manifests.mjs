// Writes the Knative Serving manifests the real cluster applies (`cluster.sh knative`), taken from the release YAML
// the Go modules ship (knative.dev/serving config/core, knative.dev/networking config/, knative.dev/caching
// config/), and patched only where this cluster needs it; every patch says why.
//
//   node manifests.mjs <serving dir> <networking dir> <caching dir> <image tag> <out file>
//
// The out file has one object per line, `<phase>\t<collection path>\t<JSON>`, in the order they are created:
// phase `crds` (wait until Established), `objects`, then `webhooks` (after the webhook pod is Ready: with
// failurePolicy Fail, the webhook configurations would refuse every Knative object until a pod serves them).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The repo's own YAML parser (a dependency of the action), so provisioning needs nothing beyond npm ci.
const require = createRequire(new URL('../../package.json', import.meta.url));
const { parseAllDocuments } = require('yaml');

const [servingDir, networkingDir, cachingDir, tag, out] = process.argv.slice(2);
if (!out) {
  console.error(
    'usage: node manifests.mjs <serving dir> <networking dir> <caching dir> <image tag> <out file>',
  );
  process.exit(2);
}

/** The image provision.sh builds for a component. dev.local/ is in Knative's registries-skipping-tag-resolving. */
const image = (component) => `dev.local/knative/${component}:${tag}`;

function yamlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? yamlFiles(join(dir, entry.name))
        : entry.name.endsWith('.yaml')
          ? [join(dir, entry.name)]
          : [],
    )
    .sort();
}

const objects = [
  ...yamlFiles(join(servingDir, 'config/core')),
  ...['certificate', 'domain-claim', 'ingress', 'serverlessservice', 'config-network'].map((name) =>
    join(networkingDir, 'config', `${name}.yaml`),
  ),
  join(cachingDir, 'config/image.yaml'),
].flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS())
    .filter((object) => object?.kind),
);

const kept = [];
for (const object of objects) {
  const { kind } = object;
  const name = object.metadata?.name;
  // No metrics server here, so HorizontalPodAutoscalers have nothing to scale on; one replica of each is enough on
  // one node.
  if (kind === 'HorizontalPodAutoscaler') continue;
  // The activator is not run (nothing here needs scale-from-zero). Its Service stays: the ServerlessService
  // reconciler reads the activator's Endpoints, and with none ready it serves revisions straight from their pods
  // (Serve mode), as Knative does whenever the activator is down.
  if (kind === 'Deployment' && name === 'activator') continue;
  if (kind === 'PodDisruptionBudget' && name === 'activator-pdb') continue;
  if (kind === 'Deployment') {
    for (const container of object.spec.template.spec.containers) {
      // ko:// paths are filled in by ko at release time; here, the images provision.sh built.
      container.image = image(container.image.replace('ko://knative.dev/serving/cmd/', ''));
    }
  }
  if (kind === 'ConfigMap' && name === 'config-deployment') {
    // The queue-proxy sidecar the controller adds to every revision's pods (ko:// at release time).
    object.data['queue-sidecar-image'] = image('queue');
    // The test images of testenv/cluster exist only in the node's containerd, like kind.local images in
    // Knative's own e2e setup: resolving their tags to digests would ask a registry that is not there.
    object.data['registries-skipping-tag-resolving'] = 'kind.local,ko.local,dev.local,shadowgate.test';
  }
  if (kind === 'Image' && name === 'queue-proxy') object.spec.image = image('queue');
  kept.push(object);
}

const clusterScoped = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

function collection(object) {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const namespace = clusterScoped.has(object.kind) ? '' : `/namespaces/${object.metadata.namespace}`;
  return `${base}${namespace}/${object.kind.toLowerCase()}s`;
}

const phase = (object) =>
  object.kind === 'CustomResourceDefinition' || object.kind === 'Namespace'
    ? 'crds'
    : object.kind.endsWith('WebhookConfiguration')
      ? 'webhooks'
      : 'objects';
// Kinds that others refer to first (the namespace, accounts and roles before the pods that use them); custom
// resources after the built-in kinds, once their CRDs are Established.
const rank = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'Role',
  'ClusterRoleBinding',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
];
const order = (object) => {
  const index = rank.indexOf(object.kind);
  return index < 0 ? rank.length : index;
};
const phases = ['crds', 'objects', 'webhooks'];
kept.sort((a, b) => phases.indexOf(phase(a)) - phases.indexOf(phase(b)) || order(a) - order(b));

writeFileSync(
  out,
  kept.map((object) => `${phase(object)}\t${collection(object)}\t${JSON.stringify(object)}\n`).join(''),
);
console.log(`testenv/knative: ${kept.length} objects in ${out}`);
