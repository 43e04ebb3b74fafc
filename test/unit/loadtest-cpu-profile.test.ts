import { expect } from 'chai';
import { breakdown, type CpuProfile } from '../../loadtest/cpu-profile.js';

/** root → ingest → applyFix → sendCommand → write (leaf), root → ingest → zod parse (leaf), root → (idle), root → (garbage collector). */
const frame = (functionName: string, url = '') => ({ functionName, url });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6, 7] },
    { id: 2, callFrame: frame('ingest', 'file:///app/server/namespaces/courier.ts'), children: [3, 5] },
    { id: 3, callFrame: frame('applyFix', 'file:///app/geo/courier-index.ts'), children: [4] },
    { id: 4, callFrame: frame('writeUtf8String'), children: [] },
    { id: 5, callFrame: frame('safeParse', 'file:///app/node_modules/zod/v4/classic/schemas.js'), children: [] },
    { id: 6, callFrame: frame('(idle)'), children: [] },
    { id: 7, callFrame: frame('(garbage collector)'), children: [] },
  ],
  samples: [4, 4, 4, 5, 6, 6, 7, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 5000, 5000, 2000, 1000],
};

describe('CPU profile breakdown (loadtest/cpu-profile.ts)', () => {
  it('when a sample sits under several known frames, then it counts for the nearest one to its leaf, and idle time is kept apart', () => {
    const b = breakdown(profile);
    expect(b.busyMs).to.equal(7);
    expect(b.idleMs).to.equal(10);
    expect(b.parts).to.deep.equal([
      { name: 'geo index: applyFix (Lua call, ioredis)', ms: 3, share: 0.429 },
      { name: 'garbage collection', ms: 2, share: 0.286 },
      { name: 'validation (zod)', ms: 1, share: 0.143 },
      { name: 'other (event loop, promises, timers, socket.io internals)', ms: 1, share: 0.143 },
    ]);
  });

  it('when samples sit in the split hot path (ingestion ack, door ETA, position channel), then each lands in its own part, not in other', () => {
    const split: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
        { id: 2, callFrame: frame('answer', 'file:///app/server/ingestion.ts'), children: [] },
        { id: 3, callFrame: frame('etaThroughNow', 'file:///app/geo/eta-door.ts'), children: [] },
        { id: 4, callFrame: frame('flush', 'file:///app/server/position-channel.ts'), children: [] },
        { id: 5, callFrame: frame('onMessage', 'file:///app/server/position-channel.ts'), children: [] },
      ],
      samples: [2, 3, 4, 5],
      timeDeltas: [1000, 2000, 3000, 4000],
    };
    const names = Object.fromEntries(breakdown(split).parts.map((p) => [p.name, p.ms]));
    expect(names).to.deep.equal({
      'ack to the courier (socket.io, ws writes)': 1,
      'ETA per position (learned speeds, door legs)': 2,
      'position channel: one SPUBLISH per turn and shard': 3,
      'position channel: batches from other hubs': 4,
    });
  });
});
