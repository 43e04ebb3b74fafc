/**
 * Where the hub's CPU goes in one measured window: a V8 CPU profile
 * (.cpuprofile, as the inspector's Profiler.stop returns it) folded into a few
 * named parts of the fix path. Each sample goes to the first category whose
 * frame appears on its stack, walking from the leaf to the root, so a socket
 * write made by the geo index counts as the geo index, and one made by the ack
 * counts as the ack. Unit-tested in test/unit/loadtest-cpu-profile.test.ts.
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface Category {
  name: string;
  /** Matches a frame as `functionName url`. */
  frame: RegExp;
}

/** The parts of the hub's fix path, most specific first within one stack. */
export const HUB_CATEGORIES: Category[] = [
  { name: 'geo index: applyFix (Lua call, ioredis)', frame: /^apply(Fix|Fixes) .*geo\/courier-index/ },
  { name: 'ETA per position (learned speeds, door legs)', frame: /^(eta|peek|fromLearned|etaThrough\w*|overLegs) .*geo\/eta/ },
  { name: 'position channel: one SPUBLISH per turn and shard', frame: /^(flush|publish) .*server\/position-channel/ },
  { name: 'position channel: batches from other hubs', frame: /^onMessage .*server\/position-channel/ },
  { name: 'Redis adapter: low-rate events (status, ops, sessions)', frame: /^(doPublish|publishAndReturnOffset|onRawMessage) / },
  { name: 'local broadcast to watchers (socket.io, ws writes)', frame: /^broadcast .*socket\.io-adapter\/dist\/in-memory-adapter/ },
  { name: 'ack to the courier (socket.io, ws writes)', frame: /^(answer|reply) .*server\/(ingestion|namespaces\/courier)|^\(anonymous\) .*socket\.io\/dist\/socket\.js|^(anon) .*socket\.io\/dist\/socket\.js/ },
  { name: 'validation (zod)', frame: / .*node_modules\/zod\// },
  { name: 'metrics (prom-client)', frame: / .*node_modules\/prom-client\// },
  { name: 'logging (pino)', frame: / .*node_modules\/pino\// },
  { name: 'database (PGlite)', frame: / .*node_modules\/@electric-sql\/pglite\/|^wasm-function/ },
  { name: 'receiving frames (ws, socket.io-parser)', frame: / .*node_modules\/(ws\/lib\/receiver|socket\.io-parser\/)/ },
  { name: 'Redis replies (ioredis parsing)', frame: / .*node_modules\/ioredis\/built\/(DataHandler|resp\/)/ },
  { name: 'garbage collection', frame: /^\(garbage collector\) / },
  { name: 'ws sends flushed in batches after uncork (acks and broadcasts)', frame: /^Socket\._writev / },
  { name: 'the profiler itself (inspector)', frame: /^post node:inspector/ },
];

export interface Breakdown {
  /** Busy time in the profile (ms), idle excluded. */
  busyMs: number;
  idleMs: number;
  parts: { name: string; ms: number; share: number }[];
}

/** Folds a profile into categories; what matches none is `other`. Shares are of busy time. */
export function breakdown(profile: CpuProfile, categories: readonly Category[] = HUB_CATEGORIES): Breakdown {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeOf = new Map<number, number>();
  profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const totals = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, us] of timeOf) {
    const leaf = byId.get(id);
    if (!leaf) continue;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    let name = 'other (event loop, promises, timers, socket.io internals)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as CpuProfile['nodes'][number]).callFrame;
      const hit = categories.find((c) => c.frame.test(`${f.functionName || '(anonymous)'} ${f.url}`));
      if (hit) {
        name = hit.name;
        break;
      }
    }
    totals.set(name, (totals.get(name) ?? 0) + us);
  }
  const parts = [...totals.entries()]
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: busy ? Math.round((1000 * us) / busy) / 1000 : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), parts };
}
