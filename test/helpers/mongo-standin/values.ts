/**
 * How the server compares, orders and copies BSON values. mingo evaluates queries and updates;
 * these helpers cover what mingo leaves to the server: index keys, the BSON sort order
 * (null and missing equal, ObjectId between binary and boolean, arrays sorted by their
 * smallest or largest element), and copies that keep BSON classes intact.
 */
import { resolve } from 'mingo/util';

export type Doc = Record<string, unknown>;

const bsonType = (v: unknown): string | undefined => (v as { _bsontype?: string } | null)?._bsontype;

const isPlain = (v: unknown): v is Doc => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** The server's canonical type order (MinKey and MaxKey are not modelled). */
function rank(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return 2;
  const t = bsonType(v);
  if (t === 'Long' || t === 'Int32' || t === 'Double' || t === 'Decimal128') return 2;
  if (typeof v === 'string' || t === 'BSONSymbol') return 3;
  if (Array.isArray(v)) return 5;
  if (t === 'Binary' || v instanceof Uint8Array) return 6;
  if (t === 'ObjectId') return 7;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  if (t === 'Timestamp') return 10;
  if (v instanceof RegExp || t === 'BSONRegExp') return 11;
  return 4; // embedded document
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));
const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);

/** Compares two values the way a sort or a range query on the server does. */
export function compareBson(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1: return 0;
    case 2: return cmp(num(a), num(b));
    case 3: return cmp(String(a), String(b));
    case 5: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareBson(x[i], y[i]);
        if (c) return c;
      }
      return x.length - y.length;
    }
    case 6: {
      const x = Buffer.from((a as { buffer?: Uint8Array }).buffer ?? (a as Uint8Array));
      const y = Buffer.from((b as { buffer?: Uint8Array }).buffer ?? (b as Uint8Array));
      return x.length - y.length || Buffer.compare(x, y);
    }
    case 7: return cmp(String(a), String(b));
    case 8: return Number(a) - Number(b);
    case 9: return (a as Date).getTime() - (b as Date).getTime();
    case 4: {
      // Field by field: the value's type, then the field name, then the value.
      const x = Object.entries(a as Doc);
      const y = Object.entries(b as Doc);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const [ka, va] = x[i]!;
        const [kb, vb] = y[i]!;
        const c = rank(va) - rank(vb) || cmp(ka, kb) || compareBson(va, vb);
        if (c) return c;
      }
      return x.length - y.length;
    }
    default: return cmp(String(a), String(b));
  }
}

/** The value a sort on `path` uses: arrays sort by their smallest element ascending, their largest descending. */
function sortValue(doc: Doc, path: string, dir: number): unknown {
  const v = resolve(doc, path);
  if (!Array.isArray(v)) return v;
  if (v.length === 0) return undefined;
  return v.reduce((best: unknown, x: unknown) => (compareBson(x, best) * dir < 0 ? x : best), v[0]);
}

/** Sorts like the server; documents that tie keep their natural (insertion) order. */
export function sortBson(docs: Doc[], spec: Record<string, unknown> | undefined): Doc[] {
  const keys = Object.entries(spec ?? {}).map(([k, d]) => [k, Number(d) < 0 ? -1 : 1] as const);
  if (keys.length === 0) return docs;
  return [...docs].sort((a, b) => {
    for (const [k, dir] of keys) {
      const c = compareBson(sortValue(a, k, dir), sortValue(b, k, dir));
      if (c) return c * dir;
    }
    return 0;
  });
}

/** A string equal for two values exactly when the server treats them as equal in an index. */
export function keyOf(v: unknown): string {
  if (v === null || v === undefined) return 'z';
  if (typeof v === 'number') return `n:${Object.is(v, -0) ? 0 : v}`;
  if (typeof v === 'string') return `s:${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `b:${v}`;
  if (v instanceof Date) return `d:${v.getTime()}`;
  if (Array.isArray(v)) return `a:[${v.map(keyOf).join(',')}]`;
  const t = bsonType(v);
  if (t === 'Long' || t === 'Int32' || t === 'Double') return `n:${num(v)}`;
  if (t) return `${t}:${String(v)}`;
  if (isPlain(v)) return `o:{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${keyOf(x)}`).join(',')}}`;
  return `x:${String(v)}`;
}

/** A deep copy of plain objects, arrays and dates; BSON classes (ObjectId, Binary…) are immutable and shared. */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlain(v)) {
    const out: Doc = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

export { isPlain };
