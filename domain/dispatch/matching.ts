import { linearSumAssignment } from 'linear-sum-assignment';

/**
 * A feasible (delivery, courier) pair and what it costs (lower is better; the
 * caller's score, e.g. `candidateCost`). Pairs that are not feasible are
 * simply absent: the matcher never invents one.
 */
export interface CandidatePair {
  deliveryId: string;
  courierId: string;
  cost: number;
}

export interface Assignment {
  deliveryId: string;
  courierId: string;
  cost: number;
}

export interface MatchResult {
  /** In the order of the `deliveries` argument. */
  assignments: Assignment[];
  /** Deliveries that got no courier, in the order of the `deliveries` argument. */
  unmatched: string[];
  totalCost: number;
}

interface Component {
  deliveries: string[];
  couriers: string[];
}

/**
 * Deduplicated feasible pairs by delivery (the cheapest one wins a duplicate).
 * A non-finite cost means "not feasible" and drops the pair, so a NaN from a
 * bad score can never be matched.
 */
function pairsByDelivery(deliveries: readonly string[], pairs: readonly CandidatePair[]): Map<string, Map<string, number>> {
  const byDelivery = new Map<string, Map<string, number>>();
  for (const d of deliveries) byDelivery.set(d, new Map());
  for (const p of pairs) {
    if (!Number.isFinite(p.cost)) continue;
    const row = byDelivery.get(p.deliveryId);
    if (!row) continue;
    const prev = row.get(p.courierId);
    if (prev === undefined || p.cost < prev) row.set(p.courierId, p.cost);
  }
  return byDelivery;
}

/**
 * Connected components of the delivery–courier graph (union-find). Each is
 * solved alone: the optimum of the whole is the union of the components'
 * optima, and the dense solver's work grows with rows × columns, so a city
 * split into clusters costs far less than one matrix over everything.
 */
function components(byDelivery: Map<string, Map<string, number>>): Component[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let y = x;
    while (y !== r) {
      const next = parent.get(y)!;
      parent.set(y, r);
      y = next;
    }
    return r;
  };
  for (const [d, row] of byDelivery) {
    const dk = `d:${d}`;
    if (!parent.has(dk)) parent.set(dk, dk);
    for (const c of row.keys()) {
      const ck = `c:${c}`;
      if (!parent.has(ck)) parent.set(ck, ck);
      const a = find(dk);
      const b = find(ck);
      if (a !== b) parent.set(a, b);
    }
  }
  const out = new Map<string, Component>();
  for (const key of parent.keys()) {
    const root = find(key);
    let comp = out.get(root);
    if (!comp) out.set(root, (comp = { deliveries: [], couriers: [] }));
    if (key.startsWith('d:')) comp.deliveries.push(key.slice(2));
    else comp.couriers.push(key.slice(2));
  }
  return [...out.values()];
}

/**
 * Solves one component exactly. Rows are its couriers followed by one dummy
 * row per delivery ("unmatched"), columns its deliveries, so every column has
 * a finite choice and the rectangular solver always succeeds. Infeasible
 * cells are +Infinity: a finite optimum exists (everything unmatched), so an
 * infinite cell is never chosen. The dummy cost U is larger than any saving
 * a cheaper matching with one assignment fewer could make, which makes the
 * objective lexicographic: as many deliveries matched as possible, then the
 * least total cost among those.
 */
function solveComponent(comp: Component, byDelivery: Map<string, Map<string, number>>, into: Map<string, Assignment>): void {
  const n = comp.deliveries.length;
  const m = comp.couriers.length;
  if (m === 0) return;
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of comp.deliveries) {
    for (const cost of byDelivery.get(d)!.values()) {
      if (cost < lo) lo = cost;
      if (cost > hi) hi = cost;
    }
  }
  const unmatchedCost = n * (hi - lo) + Math.abs(hi) + 1;
  const courierRow = new Map<string, number>();
  comp.couriers.forEach((c, i) => courierRow.set(c, i));
  const matrix: Float64Array[] = [];
  for (let i = 0; i < m; i++) matrix.push(new Float64Array(n).fill(Infinity));
  for (let i = 0; i < n; i++) matrix.push(new Float64Array(n).fill(unmatchedCost));
  comp.deliveries.forEach((d, col) => {
    for (const [c, cost] of byDelivery.get(d)!) matrix[courierRow.get(c)!]![col] = cost;
  });
  const { columnAssignments } = linearSumAssignment(matrix, { maximaze: false });
  comp.deliveries.forEach((d, col) => {
    const row = columnAssignments[col]!;
    if (row < 0 || row >= m) return;
    const courierId = comp.couriers[row]!;
    into.set(d, { deliveryId: d, courierId, cost: byDelivery.get(d)!.get(courierId)! });
  });
}

function result(deliveries: readonly string[], chosen: Map<string, Assignment>): MatchResult {
  const assignments: Assignment[] = [];
  const unmatched: string[] = [];
  let totalCost = 0;
  for (const d of deliveries) {
    const a = chosen.get(d);
    if (a) {
      assignments.push(a);
      totalCost += a.cost;
    } else unmatched.push(d);
  }
  return { assignments, unmatched, totalCost };
}

/**
 * Minimum-cost bipartite matching of deliveries to couriers (each courier at
 * most one delivery here; stacking several on one courier is
 * `matchWithStacking`). Exact: the most deliveries that can be matched are,
 * and among such matchings the total cost is the least. Uses the
 * Jonker–Volgenant shortest augmenting path solver of `linear-sum-assignment`
 * on each connected component of the feasible pairs.
 */
export function matchOptimal(deliveryIds: readonly string[], pairs: readonly CandidatePair[]): MatchResult {
  const deliveries = [...new Set(deliveryIds)];
  const byDelivery = pairsByDelivery(deliveries, pairs);
  const chosen = new Map<string, Assignment>();
  for (const comp of components(byDelivery)) {
    if (comp.deliveries.length === 1) {
      // One delivery: its cheapest courier, without building a matrix.
      const d = comp.deliveries[0]!;
      let best: Assignment | null = null;
      for (const [courierId, cost] of byDelivery.get(d)!) if (!best || cost < best.cost) best = { deliveryId: d, courierId, cost };
      if (best) chosen.set(d, best);
      continue;
    }
    solveComponent(comp, byDelivery, chosen);
  }
  return result(deliveries, chosen);
}

/**
 * The baseline that sequential offers amount to: each delivery, in the order
 * given (oldest first), takes its cheapest courier not yet taken.
 */
export function matchGreedy(deliveryIds: readonly string[], pairs: readonly CandidatePair[]): MatchResult {
  const deliveries = [...new Set(deliveryIds)];
  const byDelivery = pairsByDelivery(deliveries, pairs);
  const taken = new Set<string>();
  const chosen = new Map<string, Assignment>();
  for (const d of deliveries) {
    let best: Assignment | null = null;
    for (const [courierId, cost] of byDelivery.get(d)!) {
      if (taken.has(courierId)) continue;
      if (!best || cost < best.cost) best = { deliveryId: d, courierId, cost };
    }
    if (best) {
      taken.add(best.courierId);
      chosen.set(d, best);
    }
  }
  return result(deliveries, chosen);
}
