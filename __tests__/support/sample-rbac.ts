import { readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/** The rules of a Role in samples/rbac/<file>: the one named `role`, or the file's first. */
export function sampleRoleRules(file: string, role?: string): k8s.V1PolicyRule[] {
  const text = readFileSync(new URL(`../../samples/rbac/${file}`, import.meta.url), 'utf8');
  const found = parseAllDocuments(text)
    .map((document) => document.toJS() as k8s.V1Role)
    .find((object) => object.kind === 'Role' && (role === undefined || object.metadata?.name === role));
  if (!found?.rules) throw new Error(`samples/rbac/${file} has no Role ${role ?? ''} with rules`);
  return found.rules;
}
