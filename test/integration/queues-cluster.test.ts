import { expect } from 'chai';
import { Queue, Worker, type Job } from 'bullmq';
import { Cluster } from 'ioredis';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { queuePrefix } from '../../infra/queues.js';

describe('BullMQ on a 3-node Redis Cluster with our hash-tagged prefixes', function () {
  this.timeout(60_000);
  let cluster: TestRedisCluster;
  before(async () => {
    cluster = await startTestRedisCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('when a job is added and worked with queuePrefix(), then it completes (every key of the queue in one slot)', async () => {
    const nodes = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
    const producer = new Cluster(nodes, { enableOfflineQueue: true });
    const blocking = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } });
    const queue = new Queue('audit', { connection: producer, prefix: queuePrefix('daraa:', 'audit') });
    const seen: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      const worker = new Worker(
        'audit',
        async (job: Job) => {
          seen.push(job.data);
          return 'ok';
        },
        { connection: blocking, prefix: queuePrefix('daraa:', 'audit') },
      );
      worker.on('completed', () => {
        void worker.close().then(() => resolve());
      });
    });
    try {
      await queue.add('audit', { n: 1 }, { jobId: 'cluster-job-1' });
      await done;
      expect(seen).to.deep.equal([{ n: 1 }]);
      // KEYS answers for one node only: ask every master, then check every key shares one hash tag and one node
      const perNode = await Promise.all(producer.nodes('master').map((n) => n.keys('{daraa:audit}*')));
      const keys = perNode.flat();
      expect(keys.length).to.be.greaterThan(0);
      expect(perNode.filter((k) => k.length > 0)).to.have.length(1);
      expect(new Set(keys.map((k) => k.slice(0, k.indexOf('}') + 1)))).to.deep.equal(new Set(['{daraa:audit}']));
    } finally {
      await queue.close();
      producer.disconnect();
      blocking.disconnect();
    }
  });
});
