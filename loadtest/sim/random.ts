import { rng } from '../../scripts/rng.js';

export { rng };

/** FNV-1a over the parts: one independent stream per purpose, so adding a draw in one place does not reshuffle another. */
export function seedOf(...parts: (string | number)[]): number {
  let h = 2_166_136_261;
  for (const ch of parts.join('|')) h = Math.imul(h ^ ch.charCodeAt(0), 16_777_619) >>> 0;
  return h >>> 0;
}

/** A generator seeded from the parts. */
export const stream = (...parts: (string | number)[]): (() => number) => rng(seedOf(...parts));

/** An exponential draw with mean `mean` (the gap between two events of a Poisson process). */
export const exponential = (r: () => number, mean: number): number => -Math.log(1 - r()) * mean;

/** A uniform draw in [lo, hi). */
export const between = (r: () => number, lo: number, hi: number): number => lo + r() * (hi - lo);

export const pick = <T>(r: () => number, list: readonly T[]): T => {
  if (list.length === 0) throw new RangeError('pick from an empty list');
  return list[Math.floor(r() * list.length)] as T;
};
