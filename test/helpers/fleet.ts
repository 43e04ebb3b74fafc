import type { CourierIndex, CourierState } from '../../geo/index.js';

/**
 * Sets many couriers' states as set-up, 64 calls in flight at a time. Each index call
 * has the production budget of 1 s; hundreds fired at once queue behind each other
 * on the one connection, and on a loaded box the last of 600 waited past that budget.
 */
export async function setStates(index: CourierIndex, states: Iterable<readonly [string, CourierState]>): Promise<void> {
  const all = [...states];
  for (let i = 0; i < all.length; i += 64) await Promise.all(all.slice(i, i + 64).map(([id, state]) => index.setState(id, state)));
}
