/**
 * Text hygiene shared by every entry point (REST and sockets). A NUL byte is
 * refused by PostgreSQL and a lone UTF-16 surrogate cannot be encoded as
 * UTF-8, so either one reaching a store turns into an internal error; they are
 * refused as input instead.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSAFE_TEXT_MESSAGE = 'must not contain NUL bytes or unpaired UTF-16 surrogates';

export const isSafeText = (s: string): boolean => !UNSAFE.test(s);

/** Characters as a person counts them (code points), not UTF-16 units: an emoji is one, not two. */
export const charCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
};

/**
 * Paths (`a.b.0`) of every string value or object key under `value` that is
 * not safe text; empty when all is well. Bounded in depth so a hostile
 * payload cannot make it recurse without end.
 */
export function unsafeTextPaths(value: unknown, prefix: string[] = [], depth = 0, found: string[] = []): string[] {
  if (found.length >= 10 || depth > 32) return found;
  if (typeof value === 'string') {
    if (!isSafeText(value)) found.push(prefix.join('.'));
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && found.length < 10; i++) unsafeTextPaths(value[i], [...prefix, String(i)], depth + 1, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isSafeText(k)) found.push([...prefix, k.replace(UNSAFE, '?')].join('.'));
      else unsafeTextPaths(v, [...prefix, k], depth + 1, found);
      if (found.length >= 10) break;
    }
  }
  return found;
}
