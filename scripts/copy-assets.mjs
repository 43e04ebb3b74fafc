#!/usr/bin/env node
// `npm run build` step 2: copy the non-TypeScript files the compiled code reads at run time.
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const dir of ['infra/db/sql/migrations', 'geo/lua', 'web']) {
  const from = path.join(root, dir);
  if (existsSync(from)) cpSync(from, path.join(root, 'dist', dir), { recursive: true });
}
console.log('[daraa] build assets copied');
