import { spawn, type ChildProcess } from 'node:child_process';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * A private `redis-server` child process: the embedded default for `npm start`
 * (persistent, AOF on) and for tests (ephemeral). It never touches the shared
 * 6379 and stops with its parent.
 */
export interface EmbeddedRedisOptions {
  /** Directory for AOF and the pid file; omit for an ephemeral, diskless server. */
  dataDir?: string;
  /** Extra `redis-server` arguments, e.g. ['--cluster-enabled', 'yes']. */
  extraArgs?: string[];
  port?: number;
  startTimeoutMs?: number;
}

export interface EmbeddedRedis {
  port: number;
  url: string;
  pid: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Kill a redis-server left behind by a previous run that was killed with SIGKILL. */
function reapStale(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('redis-server')) process.kill(pid, 'SIGTERM');
  } catch {
    /* not running */
  }
}

export async function startEmbeddedRedis(opts: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOnce(port, opts);
    } catch (err) {
      lastError = err;
      if (opts.port !== undefined || (err as NodeJS.ErrnoException).code === 'ENOENT') break;
    }
  }
  throw lastError;
}

function startOnce(port: number, opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--maxmemory-policy', 'noeviction', '--save', ''];
  if (opts.dataDir) {
    const dir = path.resolve(opts.dataDir);
    mkdirSync(dir, { recursive: true });
    const pidFile = path.join(dir, 'redis.pid');
    reapStale(pidFile);
    args.push('--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--pidfile', pidFile);
  } else {
    args.push('--appendonly', 'no');
  }
  args.push(...(opts.extraArgs ?? []));

  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let settled = false;
    const onExitDuringStart = (code: number | null) => fail(new Error(`redis-server exited with code ${code} during start:\n${output.slice(-2000)}`));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`redis-server did not become ready within ${opts.startTimeoutMs ?? 10_000} ms:\n${output.slice(-2000)}`));
    }, opts.startTimeoutMs ?? 10_000);
    const killOnParentExit = () => child.kill('SIGTERM');

    function fail(err: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.off('exit', killOnParentExit);
      reject(err);
    }
    child.on('error', (err) => fail(err));
    child.once('exit', onExitDuringStart);
    const onData = (buf: Buffer) => {
      output += buf.toString();
      if (output.length > 20_000) output = output.slice(-10_000);
      if (!settled && output.includes('Ready to accept connections')) {
        settled = true;
        clearTimeout(timer);
        child.off('exit', onExitDuringStart);
        child.once('exit', () => process.off('exit', killOnParentExit));
        // Keep draining output so a full pipe never blocks the server.
        resolve({
          port,
          url: `redis://127.0.0.1:${port}`,
          pid: child.pid as number,
          process: child,
          stop: () => stopChild(child, killOnParentExit),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    process.on('exit', killOnParentExit);
  });
}

function stopChild(child: ChildProcess, exitHook: () => void): Promise<void> {
  process.off('exit', exitHook);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface SupervisorOptions extends EmbeddedRedisOptions {
  logger: { warn(o: object, msg: string): void; error(o: object, msg: string): void };
  /** Start attempts after a death before giving up (default 5). */
  attempts?: number;
  /** A pause before each attempt after a death, ms (default 0: at once; a crash loop pauses at least initialDelayMs). */
  restartDelayMs?: number;
  /** Backoff between attempts (exponential with jitter), ms. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Called once when the server cannot be brought back. */
  onGiveUp(err: Error): void;
}

export interface SupervisedRedis extends EmbeddedRedis {
  /** Deaths survived so far. */
  readonly restarts: number;
}

/**
 * The embedded redis-server, restarted on the same port whenever it dies,
 * so every client (which reconnects forever) finds it again; with a data
 * dir it reloads its AOF. Each death and restart is logged. Attempts back
 * off exponentially; a server that dies again within a minute of its
 * restart counts against the same budget, so a crash loop also ends in
 * `onGiveUp` (the process should then exit non-zero and let pm2 or systemd
 * start it afresh).
 */
export async function startSupervisedRedis(opts: SupervisorOptions): Promise<SupervisedRedis> {
  const attempts = opts.attempts ?? 5;
  let current = await startEmbeddedRedis(opts);
  const port = current.port;
  let restarts = 0;
  let stopping = false;
  let budget = attempts;
  let lastRestartAt = 0;
  const policy = retry(handleAll, { maxAttempts: attempts - 1, backoff: new ExponentialBackoff({ initialDelay: opts.initialDelayMs ?? 200, maxDelay: opts.maxDelayMs ?? 5_000 }) });
  policy.onRetry(({ delay, attempt, ...reason }) => opts.logger.warn({ attempt, delayMs: Math.round(delay), err: 'error' in reason ? reason.error : undefined }, 'embedded redis-server restart failed; retrying'));

  const watch = (child: ChildProcess) => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      const crashLoop = Date.now() - lastRestartAt < 60_000;
      budget = crashLoop ? budget - 1 : attempts;
      opts.logger.warn({ pid: child.pid, code, signal, port }, 'embedded redis-server exited; restarting');
      if (budget <= 0) return giveUp(new Error(`it died ${attempts} times within a minute of each restart`));
      void policy
        .execute(async () => {
          // A short pause even on the first attempt: a crash loop must not spin.
          const pause = crashLoop ? Math.max(opts.restartDelayMs ?? 0, opts.initialDelayMs ?? 200) : (opts.restartDelayMs ?? 0);
          if (pause > 0) await new Promise((r) => setTimeout(r, pause));
          if (stopping) throw new Error('stopping');
          return startEmbeddedRedis({ ...opts, port });
        })
        .then(
          (next) => {
            if (stopping) return void next.stop();
            current = next;
            restarts += 1;
            lastRestartAt = Date.now();
            opts.logger.warn({ pid: next.pid, port, restarts }, 'embedded redis-server restarted');
            watch(next.process);
          },
          (err: Error) => {
            if (!stopping) giveUp(err);
          },
        );
    });
  };
  const giveUp = (err: Error) => {
    opts.logger.error({ err, port }, `embedded redis-server could not be restarted: ${err.message}`);
    opts.onGiveUp(new Error(`embedded redis-server could not be restarted on port ${port}: ${err.message}`, { cause: err }));
  };
  watch(current.process);

  return {
    port,
    url: current.url,
    get pid() {
      return current.pid;
    },
    get process() {
      return current.process;
    },
    get restarts() {
      return restarts;
    },
    stop() {
      stopping = true;
      return current.stop();
    },
  };
}
