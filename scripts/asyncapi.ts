/**
 * Writes docs/asyncapi.yaml from the socket protocol's zod schemas
 * (server/protocol.ts). Run after changing an event: `npm run docs:asyncapi`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderAsyncApi } from '../server/asyncapi.js';

const root = path.resolve(__dirname, '..');
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const out = path.join(root, 'docs', 'asyncapi.yaml');
writeFileSync(out, renderAsyncApi(version));
console.log(`wrote ${path.relative(root, out)}`);
