import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/** Script names as files: geo/lua/<name>-<numKeys>.lua. */
const SCRIPTS = {
  applyFix: 'apply-fix-3',
  applyFixes: 'apply-fixes-1',
  setState: 'set-state-1',
  home: 'home-1',
  evict: 'evict-1',
  sweep: 'sweep-1',
  geofenceSet: 'geofence-set-2',
  speedObserve: 'speed-observe-1',
} as const;

export type ScriptName = keyof typeof SCRIPTS;

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** The custom commands we define on a client (or pipeline); names are prefixed to avoid clashes. */
export type GeoCommands = { [K in ScriptName as `daraaGeo_${K}`]: ScriptFn };

const INCLUDE = /^--- @include "([a-z-]+)"$/gm;

/**
 * Inline `--- @include "<name>"` lines with geo/lua/includes/<name>.lua (the
 * BullMQ convention), so scripts share one copy of the cell and fix logic.
 */
function withIncludes(lua: string): string {
  return lua.replace(INCLUDE, (_, name: string) => readFileSync(path.join(__dirname, 'lua', 'includes', `${name}.lua`), 'utf8'));
}

let sources: Map<ScriptName, { lua: string; numberOfKeys: number }> | undefined;

function loadSources(): Map<ScriptName, { lua: string; numberOfKeys: number }> {
  if (sources) return sources;
  sources = new Map();
  for (const [name, file] of Object.entries(SCRIPTS) as [ScriptName, string][]) {
    const numberOfKeys = Number(file.slice(file.lastIndexOf('-') + 1));
    sources.set(name, { lua: withIncludes(readFileSync(path.join(__dirname, 'lua', `${file}.lua`), 'utf8')), numberOfKeys });
  }
  return sources;
}

/**
 * Define the geo scripts as ioredis custom commands (EVALSHA with an EVAL
 * fallback on NOSCRIPT, so they survive a Redis restart). Idempotent per client.
 */
export function defineGeoScripts(redis: Redis | Cluster): void {
  const marked = redis as unknown as { __daraaGeoScripts?: boolean };
  if (marked.__daraaGeoScripts) return;
  for (const [name, { lua, numberOfKeys }] of loadSources()) {
    redis.defineCommand(`daraaGeo_${name}`, { lua, numberOfKeys });
  }
  marked.__daraaGeoScripts = true;
}

/** Typed access to the custom commands on a client or a pipeline. */
export const geo = (target: unknown): GeoCommands => target as GeoCommands;
