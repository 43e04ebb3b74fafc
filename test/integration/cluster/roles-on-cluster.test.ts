import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { connect, deliveryFor, emitAck, nextEvent, verifiedCourier, waitUntil } from '../../helpers/hub.js';
import { clusterSupport, startTestRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import { spawnMain, type Spawned } from '../../helpers/process.js';
import { PG_URL } from '../../helpers/databases.js';
import { openPostgres } from '../../../infra/db/sql/client.js';

const PICKUP = { lat: 33.5138, lng: 36.2765 };
const JWT_SECRET = randomBytes(32).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every role on a local 3-master Redis Cluster (real redis-server processes):
 * the API in this process, two hub processes and a worker process from the
 * real entry point, sharing one PostgreSQL schema. Then a master is killed
 * mid-stream and restarted.
 */
describe('roles on a 3-node Redis Cluster: two hubs, an API and a worker', function () {
  this.timeout(180_000);
  let cluster: TestRedisCluster;
  let api: TestApp;
  const procs: Spawned[] = [];
  const urls: Record<'hubA' | 'hubB' | 'worker', string> = { hubA: '', hubB: '', worker: '' };
  let schema: string;
  let admin: Session;
  const open: Socket[] = [];
  const track = (s: Socket) => (open.push(s), s);

  before(async function () {
    const unsupported = await clusterSupport();
    if (unsupported) {
      console.log(`      skipped: ${unsupported}`);
      this.skip();
    }
    schema = `cluster_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    try {
      await (await openPostgres({ url: PG_URL, schema, max: 1 })).close();
    } catch (err) {
      // Several processes share the database: PGlite is single-process.
      console.log(`      skipped: the multi-process cluster test needs PostgreSQL at ${PG_URL} (${(err as Error).message})`);
      this.skip();
    }
    cluster = await startTestRedisCluster();
    const env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, JWT_SECRET, REDIS_CLUSTER_NODES: cluster.seeds };
    api = await startTestApp({ role: 'api', redis: cluster.nodes[0]!, env });
    for (const [name, role] of [['hubA', 'hub'], ['hubB', 'hub'], ['worker', 'worker']] as const) {
      const p = spawnMain({ ...env, ROLE: role, PORT: '0', HOST: '127.0.0.1', DATA_DIR: `${api.dataDir}-${name}`, LOG_LEVEL: 'warn' });
      procs.push(p);
      urls[name] = (await p.waitFor(/Health\s+(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1]!;
    }
    admin = await signUpAdmin(api);
  });

  after(async () => {
    open.splice(0).forEach((s) => s.close());
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await p.exited().catch(() => p.child.kill('SIGKILL'));
    }
    await api?.stop();
    await cluster?.stop();
    const pg = await openPostgres({ url: PG_URL, max: 1 }).catch(() => null);
    if (pg) {
      await pg.query(`drop schema if exists ${schema} cascade`);
      await pg.close();
    }
  });

  it('when a courier streams on hub A, then hub B delivers its positions, a REST status change and the worker jobs; a killed master stops nothing local, and cross-hub delivery resumes within 5 s of its return', async () => {
    const owner = await signUp(api, 'store_owner');
    const customer = await signUp(api, 'customer');
    const courier = await verifiedCourier(api, admin);
    const cs = track(await connect(urls.hubA, '/courier', courier.accessToken));
    expect((await emitAck(cs, 'courier:online', { vehicle: 'car', capacity: 2 })).ok).to.equal(true);
    const { orderId, deliveryId } = await deliveryFor(api, { owner, customer, courier, pickup: PICKUP });

    const onB = track(await connect(urls.hubB, '/customer', customer.accessToken));
    const onA = track(await connect(urls.hubA, '/customer', customer.accessToken));
    for (const w of [onB, onA]) expect(await emitAck(w, 'order:watch', { orderId })).to.deep.include({ ok: true });

    // 1. positions cross hubs through the sharded position channel
    let lat = PICKUP.lat;
    const fix = async () => {
      lat += 0.0002;
      const ts = Date.now();
      const ack = await emitAck(cs, 'location', { lat, lng: PICKUP.lng, ts });
      return { ts, ack };
    };
    const first = nextEvent<any>(onB, 'courier:position', () => true, 10_000);
    const sent = await fix();
    expect(sent.ack).to.include({ ok: true, accepted: 1 });
    expect(await first).to.include({ orderId, ts: sent.ts });

    // 2. a REST status change: outbox → relay (worker process) → pub/sub → hub B
    const status = nextEvent<any>(onB, 'order:status', (s) => s.status === 'at_pickup', 15_000);
    const changed = await http(`${api.url}/api/v1/deliveries/${deliveryId}/status`, { method: 'POST', token: admin.accessToken, json: { status: 'at_pickup' } });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(await status).to.include({ orderId, status: 'at_pickup' });

    // 3. a worker job: each process's start-up audit entry went outbox → relay → BullMQ `audit` → processor
    await waitUntil(async () => {
      const log = await http(`${api.url}/api/v1/admin/audit-log?limit=100`, { token: admin.accessToken });
      const started = (log.body.data?.items ?? []).filter((e: any) => e.action === 'system.started' && e.resource?.id === 'hub');
      return started.length >= 2;
    }, 20_000);

    // 4. a master dies: hub A keeps serving the room it holds
    await cluster.kill(1);
    await sleep(2_500); // past cluster-node-timeout: the cluster is down for the slots without a master
    const localSeen = new Set<number>();
    onA.on('courier:position', (p: { ts: number }) => localSeen.add(p.ts));
    const duringOutage: { ts: number; ack: any }[] = [];
    for (let i = 0; i < 4; i++) {
      duringOutage.push(await fix());
      await sleep(600); // beyond the per-order interval, so each position is sent
    }
    await waitUntil(() => localSeen.size >= 3, 5_000);
    // the outage is real: the index refuses (CLUSTERDOWN), and says so in the ack
    expect(duringOutage.filter(({ ack }) => !ack.ok).length, JSON.stringify(duringOutage)).to.be.greaterThan(0);
    for (const { ack } of duringOutage) if (!ack.ok) expect(ack.code).to.equal('SERVICE_UNAVAILABLE');
    expect(cs.connected && onA.connected && onB.connected).to.equal(true);

    // 5. the master returns (empty): positions reach hub B again, measured from cluster_state:ok
    await cluster.restart(1);
    const back = Date.now();
    const remoteSeen: number[] = [];
    onB.on('courier:position', (p: { ts: number }) => remoteSeen.push(p.ts));
    let resumedAt = 0;
    while (Date.now() - back < 10_000 && !resumedAt) {
      const { ts } = await fix();
      await sleep(600);
      if (remoteSeen.some((t) => t >= ts - 1)) resumedAt = Date.now();
    }
    expect(resumedAt, 'cross-hub delivery never resumed').to.be.greaterThan(0);
    const resumeMs = resumedAt - back;
    console.log(`      cross-hub positions resumed ${resumeMs} ms after the master came back (cluster_state:ok)`);
    expect(resumeMs).to.be.at.most(5_000);
    // and the index takes fixes again
    await waitUntil(async () => (await fix()).ack.ok === true, 5_000);
  });
});
