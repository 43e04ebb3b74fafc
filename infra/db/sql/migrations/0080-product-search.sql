-- up
-- The twin of normalizeSearchText (domain/catalog/search-text.ts), step for step: lower case; drop
-- Quranic marks, harakat, the superscript alef and tatweel; unify alef (أ إ آ ٱ → ا), ya (ى ی ئ → ي),
-- ؤ → و, ta marbuta (ة → ه) and Arabic-Indic digits; then strip a word's leading ال / وال when two more
-- Arabic letters follow. Code point ranges rather than [[:alpha:]], which depends on the locale.
create function catalog_search_normalize(t text) returns text
language sql immutable parallel safe returns null on null input
as $$
  select regexp_replace(
    translate(
      lower(t),
      U&'\0623\0625\0622\0671\0649\06CC\0626\0624\0629\0660\0661\0662\0663\0664\0665\0666\0667\0668\0669\06F0\06F1\06F2\06F3\06F4\06F5\06F6\06F7\06F8\06F9\0610\0611\0612\0613\0614\0615\0616\0617\0618\0619\061A\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0656\0657\0658\0659\065A\065B\065C\065D\065E\065F\0670\0640',
      U&'\0627\0627\0627\0627\064A\064A\064A\0648\064701234567890123456789'
    ),
    U&'(^|[^\0621-\064A0-9a-z])\0648?\0627\0644(?=[\0621-\064A]{2})', '\1', 'g'
  )
$$;

-- Names weigh more than descriptions in the rank (A over B). 'simple': no stemming, no stop words, so
-- Arabic and English are treated alike and a prefix query (word:*) finds the start of any word.
alter table products add column search tsvector generated always as (
  setweight(to_tsvector('simple', catalog_search_normalize(name_ar || ' ' || name_en)), 'A') ||
  setweight(to_tsvector('simple', catalog_search_normalize(coalesce(description_ar, '') || ' ' || coalesce(description_en, ''))), 'B')
) stored;
create index products_search_idx on products using gin (search);

-- down
drop index products_search_idx;
alter table products drop column search;
drop function catalog_search_normalize(text);
