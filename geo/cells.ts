/**
 * The packed cell records of `geo/lua/includes/cells.lua`, as the TypeScript
 * readers (nearest search, areas) decode them. A cell index is one string of
 * back-to-back records: struct '<dddBi4ddB' then the courier id.
 */
export const CELL_REC = 46;

/** Byte offsets inside a record. speed and heading are NaN when the fix had none. */
export const REC = { lat: 0, lng: 8, ts: 16, vehicle: 24, free: 25, speed: 29, heading: 37, idLen: 45 } as const;

/** Length of the record starting at `o` (fixed part + id). */
export const recordLength = (v: Buffer, o: number): number => CELL_REC + (v[o + REC.idLen] as number);

/** The courier id of the record starting at `o`. */
export const recordId = (v: Buffer, o: number): string => v.toString('latin1', o + CELL_REC, o + CELL_REC + (v[o + REC.idLen] as number));
