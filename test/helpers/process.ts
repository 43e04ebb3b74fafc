import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';

export const ROOT = path.resolve(__dirname, '../..');

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in stdout+stderr, or rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real entry point (`infra/main.ts` through tsx), as `npm start` does. */
export function spawnMain(env: Record<string, string>, opts: { nodeArgs?: string[] } = {}): Spawned {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--require', 'tsx/cjs', 'infra/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    waitFor(re, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${re}; output:\n${out.slice(-3000)}`));
        }, ms);
        listeners.add(check);
        void exit.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before ${re}; output:\n${out.slice(-3000)}`));
          }
        });
        check();
      });
    },
    exited(ms = 20_000) {
      return timeout(ms, TimeoutStrategy.Aggressive)
        .dangerouslyUnref()
        .execute(() => exit)
        .catch((err: unknown) => {
          throw err instanceof TaskCancelledError ? new Error(`process did not exit within ${ms} ms:\n${out.slice(-2000)}`) : err;
        });
    },
  };
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** PIDs of redis-server processes working in `dir` (redis-server chdirs to its --dir). */
export function redisServersIn(dir: string): number[] {
  const { readdirSync, readlinkSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('redis-server')) found.push(Number(entry));
    } catch {
      /* gone or not ours */
    }
  }
  return found;
}
