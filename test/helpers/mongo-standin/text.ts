/**
 * Text indexes and `$text`, as the server does them for what our adapters use:
 * - createIndexes turns `{ a: 'text', b: 'text' }` into the stored form
 *   `{ _fts: 'text', _ftsx: 1 }` with `weights`, `default_language`,
 *   `language_override` and `textIndexVersion`, and allows one text index per collection;
 * - `$text: { $search }` in the first `$match` of an aggregation: terms are
 *   OR'd, `-term` excludes, matching is on whole terms, case-insensitive; the
 *   score follows the server's formula (per term: weight × freq × (0.5 + 0.5 × count / tokens));
 * - `{ $meta: 'textScore' }` in later stages reads that score.
 * Language 'none' only (no stemming, no stop words); phrases are not modelled.
 */
import { ServerError, type IndexSpec } from './store.js';
import { isPlain, type Doc } from './values.js';

export const SCORE_FIELD = '__standinTextScore';

const isTextKey = (key: Record<string, unknown>) => Object.values(key).includes('text') || '_fts' in key;

/** The stored form of a text index spec (other specs unchanged). */
export function normalizeTextIndex(spec: IndexSpec, existing: IndexSpec[]): IndexSpec {
  if (!isTextKey(spec.key) || '_fts' in spec.key) return spec;
  const fields = Object.entries(spec.key).filter(([, v]) => v === 'text').map(([k]) => k);
  const given = (spec.weights ?? {}) as Record<string, number>;
  const weights = Object.fromEntries([...new Set([...fields, ...Object.keys(given)])].sort().map((f) => [f, given[f] ?? 1]));
  const other = existing.find((i) => '_fts' in i.key && i.name !== spec.name);
  if (other) throw new ServerError(85, 'IndexOptionsConflict', `An equivalent index already exists with a different name and options: only one text index per collection (${other.name})`);
  const { key: _key, weights: _w, default_language, language_override, ...rest } = spec;
  return { ...rest, key: { _fts: 'text', _ftsx: 1 }, weights, default_language: default_language ?? 'english', language_override: language_override ?? 'language', textIndexVersion: 3 };
}

/** Delimiters as the server's tokenizer sees them: whitespace and punctuation. */
const tokens = (s: string) => s.toLowerCase().split(/[\s\p{P}\p{S}]+/u).filter(Boolean);

function parseSearch(search: string): { terms: string[]; negated: string[] } {
  if (search.includes('"')) throw new ServerError(115, 'OperationNotSupported', 'the mongo stand-in does not model $text phrases');
  const terms: string[] = [];
  const negated: string[] = [];
  for (const raw of search.split(/\s+/).filter(Boolean)) {
    const into = raw.startsWith('-') ? negated : terms;
    into.push(...tokens(raw.replace(/^-/, '')));
  }
  return { terms: [...new Set(terms)], negated };
}

const valuesAt = (doc: Doc, path: string): string[] => {
  let cur: unknown[] = [doc];
  for (const part of path.split('.')) cur = cur.flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => (isPlain(v) ? (v as Doc)[part] : undefined));
  return cur.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is string => typeof v === 'string');
};

/** The documents matching `$text`, each with its score; null when a document does not match. */
export function textScores(docs: Doc[], indexes: IndexSpec[], text: Doc): Map<Doc, number> {
  const index = indexes.find((i) => '_fts' in i.key);
  if (!index) throw new ServerError(27, 'IndexNotFound', 'text index required for $text query');
  const { terms, negated } = parseSearch(String(text.$search ?? ''));
  const weights = index.weights as Record<string, number>;
  const out = new Map<Doc, number>();
  for (const doc of docs) {
    let score = 0;
    let excluded = false;
    for (const [field, weight] of Object.entries(weights)) {
      const words = valuesAt(doc, field).flatMap(tokens);
      if (negated.some((n) => words.includes(n))) excluded = true;
      for (const t of terms) {
        const count = words.filter((w) => w === t).length;
        if (count === 0) continue;
        let freq = 0;
        for (let k = 0; k < count; k++) freq += 1 / 2 ** k;
        score += weight * freq * (0.5 + (0.5 * count) / words.length);
      }
    }
    if (!excluded && score > 0) out.set(doc, score);
  }
  return out;
}

/** The pipeline with `{ $meta: 'textScore' }` read from the score field. */
export function withScoreField(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withScoreField);
  if (!isPlain(value)) return value;
  const d = value as Doc;
  if (Object.keys(d).length === 1 && d.$meta === 'textScore') return `$${SCORE_FIELD}`;
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, withScoreField(v)]));
}

/** Drops the score field from results, at any depth ($facet nests them). */
export function withoutScoreField(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutScoreField);
  if (!isPlain(value)) return value;
  return Object.fromEntries(Object.entries(value as Doc).filter(([k]) => k !== SCORE_FIELD).map(([k, v]) => [k, withoutScoreField(v)]));
}
