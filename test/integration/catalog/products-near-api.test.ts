import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { giveZone, openStore } from '../../helpers/stores.js';
import { startMongoStandin, type MongoStandin } from '../../helpers/mongo-standin/index.js';

const spot = { lat: 33.62, lng: 36.31 };
const far = { lat: 34.2, lng: 36.31 };

/**
 * "Products near me" (`/stores/near?q=`) matches the term with the same
 * full-text rules as /products/search, on PGlite and on the Mongo adapters
 * (mongo-standin): Arabic normalisation, prefixes, every word required,
 * names and descriptions, at most 5 per store, best first.
 */
for (const backend of ['pglite', 'mongo-standin'] as const) {
  describe(`products near me over HTTP (${backend}): the full-text rules of product search`, function () {
    this.timeout(120_000);
    let app: TestApp;
    let standin: MongoStandin | undefined;
    let owner: string;
    let bakery: string;
    let grocer: string;
    const near = (q: string, at = spot) => http(`${app.url}/api/v1/stores/near?lat=${at.lat}&lng=${at.lng}&q=${encodeURIComponent(q)}`);
    const found = async (q: string) => {
      const r = await near(q);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return (r.body.data.items as { store: { id: string }; products: { name: { en: string } }[] }[]).map((i) => [i.store.id === bakery ? 'bakery' : i.store.id === grocer ? 'grocer' : i.store.id, i.products.map((p) => p.name.en)]);
    };
    const product = async (storeId: string, name: { ar: string; en: string }, opts: { description?: { ar?: string; en?: string }; status?: string; price?: number } = {}) => {
      const r = await http(`${app.url}/api/v1/stores/${storeId}/products`, { method: 'POST', token: owner, json: { name, ...(opts.description ? { description: opts.description } : {}), status: opts.status ?? 'active', variants: [{ sku: `S-${randomUUID().slice(0, 8)}`, price: opts.price ?? 1000 }] } });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
    };

    before(async () => {
      if (backend === 'mongo-standin') standin = await startMongoStandin();
      app = await startTestApp(standin ? { env: { MONGODB_URI: standin.uri(`daraa_near_${randomBytes(4).toString('hex')}`) } } : {});
      owner = app.token('store_owner', `owner-${randomUUID().slice(0, 8)}`);
      bakery = await openStore(app, owner, spot, { name: 'Bakery' });
      grocer = await openStore(app, owner, spot, { name: 'Grocer' });
      const elsewhere = await openStore(app, owner, far, { name: 'Far away' });
      for (const id of [bakery, grocer]) await giveZone(app, owner, id, spot, 3_000);
      await giveZone(app, owner, elsewhere, far, 3_000);
      await product(bakery, { ar: 'خُبْزٌ عربيّ', en: 'Arabic bread' });
      await product(bakery, { ar: 'كعكة السمسم', en: 'Sesame cake' }, { description: { en: 'Goes well with bread' } });
      await product(bakery, { ar: 'خبز مسودة', en: 'Draft bread' }, { status: 'draft' });
      await product(bakery, { ar: 'عصير برتقال', en: 'Orange juice' });
      await product(grocer, { ar: 'همبرغر', en: 'Hamburger' });
      for (let i = 1; i <= 6; i++) await product(grocer, { ar: `عصير ${i}`, en: `Juice ${i}` }, { price: 100 * i });
      await product(elsewhere, { ar: 'خبز بعيد', en: 'Far bread' });
    });
    after(async () => {
      await app?.stop();
      await standin?.stop();
    });

    it('when the term carries Arabic tashkeel or the article, then the store is found as /products/search finds it; drafts and stores that do not deliver here stay out', async () => {
      expect(await found('الخبز')).to.deep.equal([['bakery', ['Arabic bread']]]);
      expect(await found('خُبز')).to.deep.equal([['bakery', ['Arabic bread']]]);
      const search = await http(`${app.url}/api/v1/products/search?q=${encodeURIComponent('الخبز')}`);
      expect(search.body.data.items.map((i: { product: { name: { en: string } } }) => i.product.name.en).sort()).to.deep.equal(['Arabic bread', 'Far bread']);
    });

    it('when the term is an English word, then it matches word prefixes in names and descriptions (name first), every word is required, and not mid-word', async () => {
      expect(await found('bread')).to.deep.equal([['bakery', ['Arabic bread', 'Sesame cake']]]);
      expect(await found('BRE arab')).to.deep.equal([['bakery', ['Arabic bread']]]);
      expect(await found('bread -arabic')).to.deep.equal([['bakery', ['Sesame cake']]]);
      // A substring inside a word is not a match, as in /products/search.
      expect(await found('burger')).to.deep.equal([]);
      expect(await found('hamb')).to.deep.equal([['grocer', ['Hamburger']]]);
    });

    it('when a store has more matches than fit, then it shows its best 5 and other stores still come back', async () => {
      const rows = new Map((await found('juice')) as [string, string[]][]);
      expect([...rows.keys()].sort()).to.deep.equal(['bakery', 'grocer']);
      expect(rows.get('bakery')).to.deep.equal(['Orange juice']);
      expect(rows.get('grocer')).to.have.length(5);
      const r = await near('juice');
      expect(r.body.data.items[0].products[0]).to.include.keys('id', 'storeId', 'name', 'priceMin', 'priceMax');
    });

    it('when the term holds no word to search, then 400 VALIDATION_ERROR naming q, as /products/search answers', async () => {
      const r = await near('a - ,');
      expect(r.status).to.equal(400);
      expect(r.body.error.code).to.equal('VALIDATION_ERROR');
      expect(r.body.error.details[0].field).to.equal('q');
      expect((await http(`${app.url}/api/v1/products/search?q=${encodeURIComponent('a - ,')}`)).status).to.equal(400);
    });
  });
}
