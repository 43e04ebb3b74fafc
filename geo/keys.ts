import { cellToParent } from 'h3-js';
import { LRUCache } from 'lru-cache';

/**
 * An LRU cache of at most `entries` entries whose storage grows with use. With
 * `max`, lru-cache allocates and fills arrays for every slot up front: about 40 ms
 * and 5 MB at 200k entries, and a process builds about ten such caches at start.
 * Bounded by `maxSize` at one unit per entry instead, an idle process pays nothing;
 * a get costs no more (measured faster: the arrays stay small, so fewer cache misses).
 */
export function growingLru<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(entries: number): LRUCache<K, V> {
  return new LRUCache<K, V>({ maxSize: entries, sizeCalculation: () => 1 });
}

/**
 * `cellToParent` at one resolution, memoised in a bounded map: the fix path
 * asks for the parents of the same few cells over and over (a courier stays
 * in a cell for a while), and a map lookup is far cheaper than the H3 call.
 */
export function parentMemo(resolution: number, max = 200_000): (cell: string) => string {
  const parents = growingLru<string, string>(max);
  return (cell) => {
    let parent = parents.get(cell);
    if (parent === undefined) {
      parent = cellToParent(cell, resolution);
      parents.set(cell, parent);
    }
    return parent;
  };
}

/**
 * Key layout. Every key that a Lua script touches carries the hash tag of its
 * region (an H3 parent cell), so one script call always lands in one cluster
 * slot. Only the per-courier directory is tagged by courier id.
 *
 *   <p>{<region>}:c:<courierId>   hash   state + last fix + current cell
 *   <p>{<region>}:t:<courierId>   stream trail, MAXLEN ~ trailMaxLen, id = <ts>-0
 *   <p>{<region>}:f:<courierId>   hash   geofenceId -> JSON definition + state
 *   <p>{<region>}:a2:<cell>       string packed records (geo/cells.ts) of the available couriers in the cell
 *   <p>{<region>}:b2:<cell>       string same, busy couriers
 *   <p>{<region>}:seen            zset   indexed courierId -> last fix ts, at most 5 s behind (drives the stale sweep)
 *   <p>{<region>}:idle            zset   unindexed courierId -> last fix ts (drives retention)
 *   <p>{<region>}:spd             hash   "<res-7 cell>|<hour of week>" -> "<ewma ratio>,<samples>"
 *   <p>dir:{<courierId>}          hash   region + state: survives region moves and crashes between them
 *   <p>regions                    set    regions ever used (the sweep iterates them)
 */
export class KeySpace {
  /** The region (H3 parent cell) that owns `cell`. Memoised: the hot path calls it per fix. */
  readonly regionOf: (cell: string) => string;

  constructor(
    readonly prefix: string,
    readonly regionResolution: number,
  ) {
    this.regionOf = parentMemo(regionResolution);
  }

  /** Prefix shared by all keys of one region, hash tag included. */
  regionPrefix(region: string): string {
    return `${this.prefix}{${region}}:`;
  }

  /** Prefix of a region's cell indexes for one status: `<rp><a|b>2:`, then the cell (the 2 is the record layout version). */
  cells(rp: string, statusKey: 'a' | 'b'): string {
    return `${rp}${statusKey}2:`;
  }

  courier(rp: string, courierId: string): string {
    return `${rp}c:${courierId}`;
  }

  trail(rp: string, courierId: string): string {
    return `${rp}t:${courierId}`;
  }

  fences(rp: string, courierId: string): string {
    return `${rp}f:${courierId}`;
  }

  seen(rp: string): string {
    return `${rp}seen`;
  }

  speeds(rp: string): string {
    return `${rp}spd`;
  }

  directory(courierId: string): string {
    return `${this.prefix}dir:{${courierId}}`;
  }

  regions(): string {
    return `${this.prefix}regions`;
  }
}
