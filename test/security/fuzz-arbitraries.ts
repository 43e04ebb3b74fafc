import fc from 'fast-check';
import type { z } from 'zod';

/** Inputs that broke the surface before: NUL, lone surrogates, blanks, huge and odd numbers, long text. */
const NASTY = [
  '', ' ', '\t', '\n', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83dy', '\ud83d\ude00', '%00', '%ED%A0%80', '%',
  '0', '-0', '1e400', '-1e400', 'NaN', 'Infinity', '0x10', '9'.repeat(400), '1.5', '-1',
  'null', 'true', '[]', '{}', '../..', '__proto__', 'constructor', '🍕'.repeat(201), 'a'.repeat(5_000), "'; DROP TABLE x;--", '$where',
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom(...NASTY), fc.string({ maxLength: 4 })).map((p) => p.join('')),
);

const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER * 1_000, 1e-320, 33.5, 36.2, 1_000_000_000_000, 10_000_000_000_001),
);

/** Any JSON value, weighted to the nasty ones; nested at most twice. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** The keys of an object schema (through optional/default/refine wrappers); none when it is not an object. */
export function keysOf(schema: z.ZodType | undefined): string[] {
  let s: unknown = schema;
  for (let i = 0; i < 5 && s; i++) {
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (shape && typeof shape === 'object') return Object.keys(shape);
    const def = (s as { def?: { innerType?: unknown; in?: unknown } }).def;
    s = def?.innerType ?? def?.in;
  }
  return [];
}

/** An object with some of `keys` (each any nasty value), sometimes one key the schema does not know. */
export function objectOf(keys: string[]): fc.Arbitrary<Record<string, unknown>> {
  const known = keys.length ? fc.record(Object.fromEntries(keys.map((k) => [k, nastyValue])), { requiredKeys: [] }) : fc.constant({});
  return fc.tuple(known, fc.option(fc.tuple(nastyString, nastyValue), { freq: 4 })).map(([o, extra]) => (extra ? { ...o, [extra[0]]: extra[1] } : o));
}

/** Percent-encodes like encodeURIComponent, and still encodes what it refuses (lone surrogates become U+FFFD bytes). */
export function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}
