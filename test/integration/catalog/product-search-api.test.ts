import { expect } from 'chai';
import { startTestApp, http, type TestApp } from '../../helpers/app.js';
import { signUp, signUpAdmin, type Session } from '../../helpers/identity.js';
import { approveStore } from '../../helpers/catalog.js';

const rnd = () => Math.random().toString(36).slice(2, 10);

describe('product search over HTTP: Arabic and English, filters, facets, browsing a category, bad input', function () {
  this.timeout(120_000);
  let app: TestApp;
  let owner: Session;
  let admin: Session;
  let storeId: string;
  let slug: string;
  const call = (path: string, init: Parameters<typeof http>[1] = {}, who?: Session) => http(`${app.url}${path}`, { ...(who ? { token: who.accessToken } : {}), ...init });
  const search = (query: string) => call(`/api/v1/products/search?${query}`);
  const ids = (r: { body: { data: { items: { product: { name: { en: string } } }[] } } }) => r.body.data.items.map((i) => i.product.name.en).sort();

  before(async () => {
    app = await startTestApp();
    owner = await signUp(app, 'store_owner');
    admin = await signUpAdmin(app, 'super_admin');
    storeId = (await call('/api/v1/stores', { method: 'POST', json: { name: 'Bakery', address: '1 Souq St', location: { lat: 33.51, lng: 36.29 } } }, owner)).body.data.id;
    slug = `bakery-${rnd()}`;
    const categoryId = (await call('/api/v1/categories', { method: 'POST', json: { slug, name: { ar: 'مخبز', en: 'Bakery' } } }, admin)).body.data.id;
    const product = (name: { ar: string; en: string }, price: number, status = 'active') =>
      call(`/api/v1/stores/${storeId}/products`, { method: 'POST', json: { name, categoryId, status, variants: [{ sku: `S-${rnd()}`, price }] } }, owner);
    for (const r of [await product({ ar: 'خُبْزٌ عربيّ', en: 'Arabic bread' }, 1500), await product({ ar: 'كعكة السمسم', en: 'Sesame cake' }, 3000), await product({ ar: 'خبز مسودة', en: 'Draft bread' }, 100, 'draft')]) {
      expect(r.status).to.equal(201);
    }
    // Unapproved, the store is invisible; approved, it is listed.
    expect(ids(await search('q=bread'))).to.deep.equal([]);
    await approveStore(app.system.composed.container.cradle.stores, storeId);
  });
  after(async () => {
    await app?.stop();
  });

  it('when anyone searches in Arabic or English, then active products match whatever the tashkeel, with the store and facets', async () => {
    const ar = await search(`q=${encodeURIComponent('الخبز')}`);
    expect(ar.status).to.equal(200);
    expect(ids(ar)).to.deep.equal(['Arabic bread']);
    expect(ar.body.data.items[0].store).to.deep.include({ id: storeId, name: 'Bakery' });
    expect(ar.body.data.facets.categories).to.deep.equal([{ id: ar.body.data.items[0].product.categoryId, slug, name: { ar: 'مخبز', en: 'Bakery' }, count: 1 }]);
    expect(ar.body.data.facets.priceBands).to.deep.equal([{ min: 1000, max: 2500, count: 1 }]);
    expect(ids(await search(`q=${encodeURIComponent('كعكه')}`))).to.deep.equal(['Sesame cake']);
    expect(ids(await search('q=SES'))).to.deep.equal(['Sesame cake']);
    const priced = await search('priceMin=2000&priceMax=5000&sort=price_asc&inStock=false');
    expect(ids(priced)).to.deep.equal(['Sesame cake']);
    expect(priced.body.data.pagination).to.deep.equal({ page: 1, limit: 20, total: 1, totalPages: 1 });
  });

  it('when a category is browsed by slug, then its products come newest first; an unknown one is 404', async () => {
    const r = await call(`/api/v1/categories/${slug}/products`);
    expect(r.status).to.equal(200);
    expect(r.body.data.items.map((i: { product: { name: { en: string } } }) => i.product.name.en)).to.deep.equal(['Sesame cake', 'Arabic bread']);
    const missing = await call(`/api/v1/categories/no-such-${rnd()}/products`);
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('NOT_FOUND');
  });

  it('when the store closes, then its products are no longer found', async () => {
    expect((await call(`/api/v1/stores/${storeId}`, { method: 'PATCH', json: { status: 'closed' } }, owner)).status).to.equal(200);
    expect(ids(await search('q=bread'))).to.deep.equal([]);
    expect((await call(`/api/v1/stores/${storeId}`, { method: 'PATCH', json: { status: 'open' } }, owner)).status).to.equal(200);
    expect(ids(await search('q=bread'))).to.deep.equal(['Arabic bread']);
  });

  it('when the input is wrong, then 400 VALIDATION_ERROR names the field', async () => {
    const cases: [string, string][] = [
      ['limit=100000', 'query.limit'], ['priceMin=-5', 'query.priceMin'], ['priceMax=1.5', 'query.priceMax'], ['priceMin=500&priceMax=100', 'priceMin'],
      ['sort=cheapest', 'query.sort'], ['sort=distance', 'lat'], ['lat=33.5', 'query.lat'], ['q=%20a%20', 'q'], ['minRating=9', 'query.minRating'], ['page=0', 'query.page'], ['color=red', 'query'],
    ];
    for (const [query, field] of cases) {
      const r = await search(query);
      expect(r.status, query).to.equal(400);
      expect(r.body.error.code, query).to.equal('VALIDATION_ERROR');
      expect(r.body.error.details.map((d: { field?: string }) => d.field), query).to.include(field);
    }
  });

  it('when the OpenAPI document is read, then search and browsing are documented with examples', async () => {
    const doc = (await call('/openapi.json')).body;
    expect(doc.paths['/api/v1/products/search'].get.parameters.map((p: { name: string }) => p.name)).to.include.members(['q', 'category', 'priceMin', 'priceMax', 'inStock', 'minRating', 'sort', 'lat', 'lng', 'page', 'limit']);
    expect(doc.paths['/api/v1/categories/{id}/products'].get).to.be.an('object');
    expect(doc.components.schemas.ProductSearchPage.example.facets.priceBands[0]).to.deep.equal({ min: 1000, max: 2500, count: 1 });
  });
});
