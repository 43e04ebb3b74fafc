/**
 * How product text and search queries are normalised, so "خُبْز", "خبز" and
 * "الخبز" find each other. SQL runs the very same steps in the
 * `catalog_search_normalize` function of migration 0080-product-search.sql
 * (which the generated `products.search` column uses); the Mongo adapter runs
 * this one. test/contract/search-normalization.test.ts checks both give the same
 * text for the same input.
 */

/** Marks dropped from Arabic text: Quranic marks, harakat (tashkeel), the superscript alef and tatweel. */
const DROPPED = [[0x0610, 0x061a], [0x064b, 0x065f], [0x0670, 0x0670], [0x0640, 0x0640]] as const;

/** Letter forms written several ways, mapped onto one: alef, ya, ta marbuta, hamza seats, Arabic-Indic digits. */
const UNIFIED: Record<string, string> = {
  'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا',
  'ى': 'ي', 'ی': 'ي', 'ئ': 'ي',
  'ؤ': 'و',
  'ة': 'ه',
  ...Object.fromEntries([...'٠١٢٣٤٥٦٧٨٩'].map((d, i) => [d, String(i)])),
  ...Object.fromEntries([...'۰۱۲۳۴۵۶۷۸۹'].map((d, i) => [d, String(i)])),
};

const isDropped = (cp: number) => DROPPED.some(([lo, hi]) => cp >= lo && cp <= hi);

/**
 * The definite article (ال, or وال "and the") at the start of a word with at
 * least two more letters: "الخبز" and "خبز" are the same word to a shopper. A
 * word starts after anything that is not an Arabic letter, an ASCII letter or
 * a digit (the SQL twin spells the same ranges, which hold in any locale).
 */
const ARTICLE = /(^|[^\u0621-\u064a0-9a-z])\u0648?\u0627\u0644(?=[\u0621-\u064a]{2})/g;

/** Normalised text: lower case, marks dropped, letter forms unified, articles stripped. */
export function normalizeSearchText(text: string): string {
  let out = '';
  for (const ch of text.toLowerCase()) {
    if (isDropped(ch.codePointAt(0)!)) continue;
    out += UNIFIED[ch] ?? ch;
  }
  return out.replace(ARTICLE, '$1');
}

/** Words of normalised text: runs of letters and digits. */
export function searchWords(normalized: string): string[] {
  return normalized.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** Shorter words are ignored in queries: one letter would match most of the catalog. */
export const MIN_QUERY_WORD = 2;
/** At most this many words of a query count; the rest are ignored. */
export const MAX_QUERY_WORDS = 8;
/** A longer query word is cut to this many characters (it still matches as a prefix). */
export const MAX_QUERY_WORD = 32;

/**
 * A parsed query. Every word must match (AND), as the start of a word of the
 * product's names or descriptions ("bre" finds "bread"); a word written with a
 * leading minus must match no word of the product.
 */
export interface SearchQuery {
  words: string[];
  excluded: string[];
}

/** Parses what a customer typed; null when it holds no word to search for. */
export function parseSearchQuery(q: string): SearchQuery | null {
  const words: string[] = [];
  const excluded: string[] = [];
  for (const raw of q.split(/\s+/)) {
    const negative = raw.startsWith('-') && raw.length > 1;
    for (const w of searchWords(normalizeSearchText(negative ? raw.slice(1) : raw))) {
      if ([...w].length < MIN_QUERY_WORD) continue;
      const word = [...w].slice(0, MAX_QUERY_WORD).join('');
      const into = negative ? excluded : words;
      if (!into.includes(word) && words.length + excluded.length < MAX_QUERY_WORDS) into.push(word);
    }
  }
  return words.length === 0 ? null : { words, excluded };
}
