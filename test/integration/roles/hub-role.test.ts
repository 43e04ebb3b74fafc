import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../infra/embedded-redis.js';
import { AccessTokens } from '../../../infra/jwt.js';
import { loadConfig } from '../../../infra/config.js';
import { ROOT, spawnMain, type Spawned } from '../../helpers/process.js';
import { http } from '../../helpers/app.js';
import { connect, emitAck } from '../../helpers/hub.js';

const JWT_SECRET = randomBytes(32).toString('hex');
const PRELOAD = ['--require', path.join(ROOT, 'test/helpers/loaded-modules.cjs')];

/** Our sources relative to the repo, and packages by name, of everything a process loaded. */
function summarise(files: string[]): { ours: string[]; packages: Set<string> } {
  const ours: string[] = [];
  const packages = new Set<string>();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    if (m) packages.add(m[1]!);
    else if (f.startsWith(ROOT)) ours.push(path.relative(ROOT, f));
  }
  return { ours, packages };
}

/**
 * What the hub must never load: the REST layer, commerce use cases, queues, images, password hashing, tracing.
 * (Here it runs on PGlite, so PGlite loads; on DATABASE_URL it does not.) Of dispatch, only the couriers'
 * answers (answer-offer.ts) and dispatchers' manual control on /ops (control-delivery.ts, which reads whether
 * the order is ready: ordering's order-readiness.ts) run on the hub; rounds, matching and offers being made
 * stay in the worker.
 */
const NOT_IN_HUB_SOURCES = [/^api\//, /^workers\//, /^infra\/images\//, /^infra\/wiring\/(commerce|catalog-products|addresses|events|settings|dispatch)\.ts$/, /^infra\/container\.ts$/, /^infra\/queues\.ts$/, /^domain\/(catalog|ordering|finance|loyalty|notification|webhooks|engagement)\/use-cases\/(?!order-readiness\.ts$)/, /^domain\/dispatch\/use-cases\/(?!(answer-offer|control-delivery)\.ts$)/];
const NOT_IN_HUB_PACKAGES = ['@turf/turf', '@googlemaps/google-maps-services-js', 'koa', '@koa/router', 'koa-ratelimit', 'bullmq', 'sharp', 'argon2', '@opentelemetry/sdk-trace-node', 'swagger-ui-dist', '@asteasolutions/zod-to-openapi'];

describe('process roles: what each one loads', function () {
  this.timeout(120_000);
  let redis: EmbeddedRedis;
  const dirs: string[] = [];
  const procs: Spawned[] = [];
  const sockets: Socket[] = [];
  const tmp = (label: string) => {
    const d = mkdtempSync(path.join(os.tmpdir(), `daraa-${label}-`));
    dirs.push(d);
    return d;
  };
  const run = async (env: Record<string, string>) => {
    const dir = tmp('role');
    const modulesFile = path.join(dir, 'modules.json');
    const p = spawnMain({ PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, DATA_DIR: dir, JWT_SECRET, LOG_LEVEL: 'warn', LOADED_MODULES_FILE: modulesFile, ...env }, { nodeArgs: PRELOAD });
    procs.push(p);
    const url = (await p.waitFor(/Health\s+(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1]!;
    return {
      url,
      async stop() {
        p.child.kill('SIGTERM');
        expect((await p.exited(30_000)).code).to.equal(0);
        return summarise(JSON.parse(readFileSync(modulesFile, 'utf8')) as string[]);
      },
    };
  };

  before(async () => {
    redis = await startEmbeddedRedis();
  });
  after(async () => {
    sockets.splice(0).forEach((s) => s.close());
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await redis?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('when ROLE=hub starts, then it serves sockets and probes, answers 404 to REST, and loads no REST, commerce, queue or image module', async () => {
    const hub = await run({ ROLE: 'hub' });
    expect((await http(`${hub.url}/health`)).body).to.deep.include({ success: true });
    const ready = await http(`${hub.url}/ready`);
    expect(ready.status).to.equal(200);
    expect(ready.body.data.checks).to.deep.equal({ redis: 'up', database: 'up' });
    expect((await http(`${hub.url}/metrics`)).status).to.equal(200);
    const rest = await http(`${hub.url}/api/v1/stores`);
    expect(rest.status).to.equal(404);
    expect(rest.body.error.code).to.equal('NOT_FOUND');

    // A customer's socket is authenticated, and a watch reads the delivery store (none here: NOT_FOUND).
    const tokens = new AccessTokens(loadConfig({ JWT_SECRET, DATA_DIR: tmp('cfg') }));
    const customer = tokens.sign({ sub: 'customer-hub-role', role: 'customer', perms: [], sid: 'sess-hub-role' }).token;
    const socket = await connect(hub.url, '/customer', customer);
    sockets.push(socket);
    const watch = await emitAck(socket, 'order:watch', { orderId: randomUUID() });
    expect(watch).to.include({ ok: false, code: 'NOT_FOUND' });
    socket.close();

    const { ours, packages } = await hub.stop();
    expect(ours).to.include.members(['infra/hub-system.ts', 'infra/container-hub.ts', 'server/hub.ts', 'server/namespaces/courier.ts', 'server/namespaces/courier-offers.ts', 'domain/dispatch/use-cases/answer-offer.ts', 'domain/dispatch/use-cases/control-delivery.ts', 'server/namespaces/ops-control.ts', 'geo/courier-index.ts']);
    const forbidden = ours.filter((f) => NOT_IN_HUB_SOURCES.some((re) => re.test(f)));
    expect(forbidden, 'sources the hub must not load').to.deep.equal([]);
    expect(NOT_IN_HUB_PACKAGES.filter((p) => packages.has(p)), 'packages the hub must not load').to.deep.equal([]);
    expect(packages.has('socket.io')).to.equal(true);
  });

  it('when npm start runs (ROLE=all), then one process serves the REST API, the sockets and the workers', async () => {
    const all = await run({});
    const openapi = await http(`${all.url}/openapi.json`);
    expect(Object.keys(openapi.body.paths ?? {}).length).to.be.greaterThan(20);
    // The route exists (401 without a token), where the hub answers 404.
    expect((await http(`${all.url}/api/v1/stores`)).status).to.equal(401);
    const tokens = new AccessTokens(loadConfig({ JWT_SECRET, DATA_DIR: tmp('cfg') }));
    const socket = await connect(all.url, '/customer', tokens.sign({ sub: 'customer-all', role: 'customer', perms: [], sid: 'sess-all' }).token);
    sockets.push(socket);
    socket.close();

    const { ours, packages } = await all.stop();
    expect(ours).to.include.members(['infra/container.ts', 'api/app.ts', 'server/hub.ts', 'workers/outbox-relay.ts', 'infra/queues.ts']);
    expect(ours).to.not.include('infra/container-hub.ts');
    for (const p of ['koa', 'bullmq', 'socket.io']) expect(packages.has(p), p).to.equal(true);
  });
});
