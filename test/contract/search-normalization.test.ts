import { expect } from 'chai';
import fc from 'fast-check';
import { forEachBackend } from '../helpers/databases.js';
import { normalizeSearchText, parseSearchQuery } from '../../domain/catalog/search-text.js';

/** Arabic letters and their variant forms, marks, tatweel, both digit sets, Latin, spaces and punctuation. */
const ALPHABET = [...'ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآٱىیئؤة', '\u064b', '\u064e', '\u0650', '\u0651', '\u0652', '\u0670', '\u0640', ...'٠١٢٩۰۹', ...'aBzQ09', ' ', ' ', '-', '(', ')', '.', 'ال', 'وال'];
const arabicish = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 30 }).map((a) => a.join(''));

forEachBackend('Search text normalisation: TypeScript and SQL agree', (ctx) => {
  const sql = async (t: string) => {
    if (ctx.store.kind !== 'sql') throw new Error('SQL only');
    return (await ctx.store.sql.query<{ n: string }>('select catalog_search_normalize($1) as n', [t])).rows[0]!.n;
  };

  it('when normalising known spellings, then both give the same text', async () => {
    const cases: [string, string][] = [
      ['خُبْزٌ عربيّ', 'خبز عربي'], ['الخبز والحليب', 'خبز حليب'], ['أحمد إبراهيم آمنة', 'احمد ابراهيم امنه'], ['مستشفى', 'مستشفي'],
      ['قهــــوة', 'قهوه'], ['٢٠٢٤ ۱۲', '2024 12'], ['Bread (الخبز) والد', 'bread (خبز) والد'], ['ٱلرحمن', 'رحمن'], ['الم', 'الم'],
    ];
    for (const [input, want] of cases) {
      expect(normalizeSearchText(input), input).to.equal(want);
      expect(await sql(input), input).to.equal(want);
    }
  });

  it('when normalising any mix of Arabic forms, marks, digits and Latin, then both give the same text', async function () {
    this.timeout(60_000);
    await fc.assert(fc.asyncProperty(arabicish, async (t) => normalizeSearchText(t) === (await sql(t))), { numRuns: 300 });
  });

  it('when a query is parsed, then one-letter words are ignored, -word is excluded and a query of no word is null', () => {
    expect(parseSearchQuery('الخبز -محمص ا b')).to.deep.equal({ words: ['خبز'], excluded: ['محمص'] });
    expect(parseSearchQuery('a - ,')).to.equal(null);
    expect(parseSearchQuery('one two three four five six seven eight nine ten')!.words).to.have.length(8);
  });
}, ['pglite', 'postgres']);
