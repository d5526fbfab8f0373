// `npm run docs`: writes action.yml and the README's inputs/outputs tables from the config layer's single list
// of inputs, so the three never drift apart (a unit test fails when they do).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderActionYml, replaceReadmeReference } from '../src/docs/action-reference.js';

writeFileSync('action.yml', renderActionYml());
writeFileSync('README.md', replaceReadmeReference(readFileSync('README.md', 'utf8')));
