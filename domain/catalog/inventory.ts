import { AppError, validationError } from '../shared/errors.js';

/**
 * The stock model. Per variant: on hand (units in the store), reserved (held
 * for checkouts) and available = on hand − reserved. Every change is an
 * append-only movement carrying its effect on both counters, so on hand is
 * always the sum of the movements' `onHandDelta` and reserved the sum of
 * their `reservedDelta`.
 */
export const MOVEMENT_KINDS = ['receipt', 'adjustment', 'reservation', 'release', 'sale', 'return'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** What a store owner records by hand; the other kinds come from reservations. */
export const MANUAL_MOVEMENT_KINDS = ['receipt', 'adjustment', 'return'] as const;
export type ManualMovementKind = (typeof MANUAL_MOVEMENT_KINDS)[number];

export const MAX_QUANTITY = 1_000_000;

export interface StockLevel {
  variantId: string;
  productId: string;
  storeId: string;
  onHand: number;
  reserved: number;
  available: number;
  allowBackorder: boolean;
  /** At or below this many available units the variant is low; null: never. */
  lowStockThreshold: number | null;
  /** Set when available crossed down to the threshold, cleared when it rose above: one event per crossing. */
  low: boolean;
  /** Bumped by every change. */
  version: number;
  updatedAt: string;
}

export interface StockMovement {
  id: string;
  variantId: string;
  storeId: string;
  kind: MovementKind;
  onHandDelta: number;
  reservedDelta: number;
  /** The reservation behind a reservation, release or sale. */
  reservationId: string | null;
  /** The caller's idempotency key of a manual movement, unique per variant. */
  key: string | null;
  note: string | null;
  at: string;
}

/** The counters' change a movement makes, and whether it must keep available at or above 0. */
export interface StockChange {
  onHand: number;
  reserved: number;
  /** When true (and the variant does not allow backorders) the change applies only while available stays ≥ 0. */
  guardAvailable: boolean;
  /** A sale of a backordered variant may take on hand below 0 (units owed); nothing else may. */
  overdraw?: boolean;
}

/** A manual movement's effect: receipts and returns add, adjustments add or remove. */
export function manualChange(kind: ManualMovementKind, quantity: number): StockChange {
  if (!Number.isInteger(quantity) || quantity === 0 || Math.abs(quantity) > MAX_QUANTITY) {
    throw validationError('quantity must be a non-zero whole number', [{ field: 'quantity', message: `must be a whole number, not 0, at most ${MAX_QUANTITY} either way` }]);
  }
  if (kind !== 'adjustment' && quantity < 0) throw validationError(`a ${kind} adds stock`, [{ field: 'quantity', message: `must be positive for a ${kind}` }]);
  return { onHand: quantity, reserved: 0, guardAvailable: quantity < 0 };
}

export const insufficientStock = (variantId: string, requested: number): AppError =>
  new AppError('INSUFFICIENT_STOCK', 'Not enough stock', { details: [{ field: 'quantity', reason: 'insufficient_stock', variantId, requested, message: 'more than is available' }] });

export const RESERVATION_STATUSES = ['active', 'released', 'committed', 'expired'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface ReservationLine {
  variantId: string;
  quantity: number;
}

/** Units held for one checkout until it is paid (commit), abandoned (release) or too old (expired). */
export interface Reservation {
  id: string;
  /** The checkout's idempotency key: the same key reserves once. */
  key: string;
  lines: ReservationLine[];
  status: ReservationStatus;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export const MAX_RESERVATION_TTL_S = 3600;

/** Lines merged per variant and sorted, so two checkouts lock rows in the same order. */
export function reservationLines(lines: ReservationLine[]): ReservationLine[] {
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 100) throw validationError('a reservation holds 1 to 100 lines', [{ field: 'lines', message: 'must hold 1 to 100 lines' }]);
  const merged = new Map<string, number>();
  lines.forEach((l, i) => {
    if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > MAX_QUANTITY) throw validationError('quantity must be a positive whole number', [{ field: `lines.${i}.quantity`, message: 'must be a positive whole number' }]);
    merged.set(l.variantId, (merged.get(l.variantId) ?? 0) + l.quantity);
  });
  return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([variantId, quantity]) => ({ variantId, quantity }));
}

/** What moving out of `active` does to each line's counters. */
export const CLOSING: Record<'released' | 'expired' | 'committed', { kind: MovementKind; onHand: (q: number) => number; reserved: (q: number) => number; overdraw?: boolean }> = {
  released: { kind: 'release', onHand: () => 0, reserved: (q) => -q },
  expired: { kind: 'release', onHand: () => 0, reserved: (q) => -q },
  committed: { kind: 'sale', onHand: (q) => -q, reserved: (q) => -q, overdraw: true },
};
