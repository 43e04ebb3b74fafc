export interface Delivery {
  id: string;
  orderId: string;
  status: string;
  courierId: string | null;
  pickup: { lat: number; lng: number };
  dropoff: { lat: number; lng: number };
  timestamps: Record<string, string>;
  createdAt: string;
}

/** The header's figures, from what the board holds: the snapshot's couriers and the listed deliveries. */
export function kpisOf(deliveries: Delivery[], fleet: { online: number; available: number; busy: number }, now: number): { online: number; available: number; busy: number; perHour: number; medianAssignS: number | null } {
  const hourAgo = now - 3_600_000;
  const perHour = deliveries.filter((d) => d.timestamps.delivered && Date.parse(d.timestamps.delivered) >= hourAgo).length;
  const waits = deliveries
    .filter((d) => d.timestamps.assigned)
    .map((d) => (Date.parse(d.timestamps.assigned!) - Date.parse(d.createdAt)) / 1000)
    .sort((a, b) => a - b);
  const mid = Math.floor(waits.length / 2);
  const medianAssignS = waits.length === 0 ? null : waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
  return {
    online: fleet.online,
    available: fleet.available,
    busy: fleet.busy,
    perHour,
    medianAssignS,
  };
}
