import { expect } from 'chai';
import { forEachBackend } from '../helpers/databases.js';
import { INDEXES, type MongoIndex, type SqlIndex } from '../../infra/db/indexes.js';

const BOOKKEEPING = new Set(['schema_migrations', 'schema_migration_lock']);
const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** pg_indexes' definition, e.g. `CREATE UNIQUE INDEX x ON s.t USING btree (a, b DESC) WHERE (c IS NULL)`. */
function parseIndexdef(def: string): SqlIndex {
  const m = /^CREATE (UNIQUE )?INDEX (\S+) ON (?:\S+\.)?(\S+) USING (\w+) \((.*?)\)(?: WHERE \((.*)\))?$/.exec(def);
  if (!m) throw new Error(`unexpected index definition: ${def}`);
  return { table: m[3]!, name: m[2]!, columns: m[5]!, ...(m[1] ? { unique: true } : {}), ...(m[6] ? { where: m[6] } : {}), ...(m[4] !== 'btree' ? { using: m[4] } : {}) };
}

forEachBackend('Index parity with the declared table', (ctx) => {
  it('when the schema is migrated, then its secondary indexes are exactly the declared ones', async () => {
    if (ctx.store.kind === 'sql') {
      const r = await ctx.store.sql.query<{ indexdef: string; indexname: string }>(
        `select indexname, indexdef from pg_indexes where schemaname = current_schema() and indexname not like '%\\_pkey' and tablename <> 'schema_migrations'`,
      );
      const real = r.rows.map((x) => parseIndexdef(x.indexdef)).sort(byName);
      expect(real).to.deep.equal(INDEXES.flatMap((i) => (i.sql ? [i.sql] : [])).sort(byName));
    } else {
      const db = ctx.store.mongo.db!;
      const real: MongoIndex[] = [];
      for (const { name: collection } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        if (BOOKKEEPING.has(collection)) continue;
        for (const i of await db.collection(collection).indexes()) {
          if (i.name === '_id_') continue;
          real.push({ collection, name: i.name!, key: i.key as MongoIndex['key'], ...(i.unique ? { unique: true } : {}), ...(i.partialFilterExpression ? { partialFilterExpression: i.partialFilterExpression } : {}), ...(i.weights ? { weights: i.weights as Record<string, number> } : {}) });
        }
      }
      const key = (i: MongoIndex) => `${i.collection}.${i.name}`;
      const sort = (a: MongoIndex, b: MongoIndex) => key(a).localeCompare(key(b));
      expect(real.sort(sort)).to.deep.equal(INDEXES.flatMap((i) => (i.mongo ? [i.mongo] : [])).sort(sort));
    }
  });

  it('when the table is read, then every row pairs a SQL index with a Mongo index of the same uniqueness', () => {
    for (const row of INDEXES) if (row.sql && row.mongo) expect(!!row.sql.unique, row.serves).to.equal(!!row.mongo.unique);
    const mongo = INDEXES.flatMap((r) => (r.mongo ? [`${r.mongo.collection}.${r.mongo.name}`] : []));
    expect(new Set(mongo).size).to.equal(mongo.length);
  });
});
