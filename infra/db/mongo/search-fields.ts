import type { ProductProps } from '../../../domain/catalog/product.js';
import { MAX_QUERY_WORD, MIN_QUERY_WORD, normalizeSearchText, searchWords } from '../../../domain/catalog/search-text.js';

/**
 * What a product document carries for search, derived from its names and
 * descriptions on every write:
 * - `tokens`: the normalised words, which decide a match (every query word is
 *   the start of one of them, no excluded word is);
 * - `names` and `descriptions`: every prefix (2 to 32 characters) of those
 *   words, the fields of the text index. A MongoDB text index matches whole
 *   terms only, so prefixes are indexed as terms: the index then finds the
 *   candidates of a prefix query and scores them (names weigh more).
 */
export interface SearchFields {
  tokens: string[];
  names: string;
  descriptions: string;
}

const wordsOf = (...texts: (string | null)[]) => [...new Set(texts.flatMap((t) => (t ? searchWords(normalizeSearchText(t)) : [])))];

function prefixes(words: string[]): string {
  const out = new Set<string>();
  for (const w of words) {
    const chars = [...w];
    if (chars.length < MIN_QUERY_WORD) continue;
    for (let n = MIN_QUERY_WORD; n <= Math.min(chars.length, MAX_QUERY_WORD); n++) out.add(chars.slice(0, n).join(''));
  }
  return [...out].join(' ');
}

export function searchFields(p: Pick<ProductProps, 'name' | 'description'>): SearchFields {
  const names = wordsOf(p.name.ar, p.name.en);
  const descriptions = wordsOf(p.description.ar, p.description.en);
  return { tokens: [...new Set([...names, ...descriptions])], names: prefixes(names), descriptions: prefixes(descriptions) };
}
