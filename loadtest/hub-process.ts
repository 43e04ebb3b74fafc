/**
 * How `npm run bench:hub` starts the real hub: as the product starts it. The command is read from
 * package.json, `start:hub` when the project has one, else `start`, with ROLE=hub (what the pm2 app
 * and the containers set): the same Node flags, the same entry point, the same boot. The bench only
 * adds `--require loadtest/server-probe.ts` (its readings over the IPC channel) and the environment
 * (a private Redis, the seeded store, a free PORT).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface NodeCommand {
  /** Flags for node before the entry point (`--require tsx/cjs` included when the script has it). */
  nodeArgs: string[];
  entry: string;
  /** VAR=value assignments written before `node`. */
  env: Record<string, string>;
}

/** Flags of node that take the next word as their value. */
const WITH_VALUE = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader', '--env-file', '--title']);

/**
 * The `node …` command of an npm script (the last `&&` part that runs node), or null when the script
 * runs no node directly (e.g. it calls another script).
 */
export function parseNodeScript(script: string): NodeCommand | null {
  const part = script.split('&&').map((s) => s.trim()).reverse().find((s) => /(^|\s)node\s/.test(s));
  if (!part) return null;
  const words = part.split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && words[i] !== 'node'; i++) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(words[i] as string);
    if (m) env[m[1] as string] = m[2] as string;
  }
  const nodeArgs: string[] = [];
  for (i += 1; i < words.length; i++) {
    const w = words[i] as string;
    if (!w.startsWith('-')) return { nodeArgs, entry: w, env };
    nodeArgs.push(w);
    if (WITH_VALUE.has(w) && i + 1 < words.length) nodeArgs.push(words[++i] as string);
  }
  return null;
}

/** The hub's command from package.json's scripts, runnable from source (tsx) in this checkout. */
export function productHubCommand(root = path.join(__dirname, '..')): NodeCommand & { script: string } {
  const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const name of ['start:hub', 'start']) {
    const script = scripts[name];
    const cmd = script ? parseNodeScript(script) : null;
    if (!cmd || !existsSync(path.join(root, cmd.entry))) continue;
    const nodeArgs = cmd.nodeArgs.includes('tsx/cjs') ? cmd.nodeArgs : [...cmd.nodeArgs, '--require', 'tsx/cjs'];
    return { nodeArgs, entry: path.join(root, cmd.entry), env: { ...cmd.env, ROLE: 'hub' }, script: `npm run ${name}` };
  }
  throw new Error('package.json has no start:hub or start script that runs node on a file of this checkout');
}
