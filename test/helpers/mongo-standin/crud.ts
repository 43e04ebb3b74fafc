/**
 * Reads and writes on one workspace, with mingo as the query, update and aggregation
 * language, and the server's own rules around it: upserts seeded from the filter's
 * equalities, `_id` immutable, counts of matched, modified and upserted documents.
 */
import { Aggregator, Query } from 'mingo';
import { update as mingoUpdate, updateOne as mingoUpdateOne } from 'mingo/updater';
import { setValue } from 'mingo/util';
import { mongo } from 'mongoose';
import { ServerError, duplicateKey, idKey, type CollectionData, type Workspace } from './store.js';
import { clone, isPlain, keyOf, sortBson, type Doc } from './values.js';
import { SCORE_FIELD, textScores, withScoreField, withoutScoreField } from './text.js';

export interface FindOptions { sort?: Doc; skip?: number; limit?: number; projection?: Doc }
export interface WriteOutcome { matched: number; modified: number; upsertedId?: unknown }

const isOperatorDoc = (u: Doc) => Object.keys(u).some((k) => k.startsWith('$'));

/** The equality part of a filter, which an upsert copies into the new document. */
function seedFromFilter(filter: Doc, into: Doc = {}): Doc {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) for (const f of v as Doc[]) seedFromFilter(f, into);
    if (k.startsWith('$')) continue;
    if (isPlain(v) && isOperatorDoc(v)) {
      if ('$eq' in v) setValue(into, k, clone(v.$eq));
    } else setValue(into, k, clone(v));
  }
  return into;
}

/** `_id` first, as the server stores it. */
function withIdFirst(doc: Doc): Doc {
  const { _id, ...rest } = doc;
  return { _id: _id ?? new mongo.ObjectId(), ...rest };
}

function applyUpdate(doc: Doc, u: Doc | Doc[], arrayFilters: Doc[] | undefined, inserting: boolean): Doc {
  if (Array.isArray(u)) {
    const holder = [clone(doc)];
    mingoUpdateOne(holder, {}, u as never);
    return holder[0]!;
  }
  if (!isOperatorDoc(u)) return { _id: doc._id, ...clone(u) };
  const { $setOnInsert, ...ops } = u as Doc & { $setOnInsert?: Doc };
  if (inserting && $setOnInsert) ops.$set = { ...(ops.$set as Doc | undefined), ...$setOnInsert };
  const next = clone(doc);
  // The server accepts `$set: { _id }` when it leaves `_id` as it is (an upsert names it in the filter and the update).
  const set = ops.$set as Doc | undefined;
  if (set && '_id' in set && (next._id === undefined || keyOf(set._id) === keyOf(next._id))) {
    const { _id, ...others } = set;
    next._id = _id;
    ops.$set = others;
    if (Object.keys(others).length === 0) delete ops.$set;
  }
  if (Object.keys(ops).length) mingoUpdate(next, ops as never, arrayFilters, undefined, { cloneMode: 'deep' });
  return next;
}

export class Crud {
  /** `beforeWrite` lets a transaction see (and refuse) each document it is about to change. */
  constructor(private readonly ws: Workspace, private readonly beforeWrite: (ns: string, id: string) => void = () => undefined) {}

  private matching(ns: string, filter: Doc | undefined): Doc[] {
    const c = this.ws.get(ns);
    if (!c) return [];
    const q = new Query(filter ?? {});
    // An `_id` equality or `$in` reads the documents by key, as the server's _id index does.
    const ids = idsOf(filter?._id);
    if (ids) return ids.map((id) => c.docs.get(keyOf(id))).filter((d): d is Doc => d !== undefined && q.test(d));
    return [...c.docs.values()].filter((d) => q.test(d));
  }

  find(ns: string, filter: Doc | undefined, o: FindOptions = {}): Doc[] {
    let docs = sortBson(this.matching(ns, filter), o.sort);
    if (o.skip) docs = docs.slice(o.skip);
    if (o.limit) docs = docs.slice(0, Math.abs(o.limit));
    if (o.projection && Object.keys(o.projection).length) docs = new Query({}).find(docs, o.projection).all() as Doc[];
    return docs;
  }

  aggregate(db: string, ns: string, pipeline: Doc[]): Doc[] {
    for (const stage of pipeline) if ('$out' in stage || '$merge' in stage) throw new ServerError(115, 'OperationNotSupported', 'the mongo stand-in does not model $out or $merge');
    let all = [...(this.ws.get(ns)?.docs.values() ?? [])];
    const first = pipeline[0]?.$match as Doc | undefined;
    if (first && '$text' in first) {
      // The server runs $text on the text index first; the rest of the pipeline then sees each score.
      const { $text, ...rest } = first;
      const scores = textScores(all, this.ws.get(ns)?.indexes ?? [], $text as Doc);
      all = [...scores].map(([d, score]) => ({ ...d, [SCORE_FIELD]: score }));
      pipeline = withScoreField([{ $match: rest }, ...pipeline.slice(1)]) as Doc[];
    }
    const agg = new Aggregator(pipeline, { collectionResolver: (name: string) => [...(this.ws.get(`${db}.${name}`)?.docs.values() ?? [])] });
    return withoutScoreField(agg.run(all)) as Doc[];
  }

  private write(c: CollectionData, id: string, doc: Doc | undefined): void {
    this.beforeWrite(c.ns, id);
    c.put(id, doc);
  }

  insert(ns: string, doc: Doc): void {
    const stored = withIdFirst(clone(doc));
    const c = this.ws.ensure(ns);
    const id = idKey(stored);
    if (c.docs.has(id)) throw duplicateKey(ns, c.indexes[0]!, stored);
    this.write(c, id, stored);
  }

  update(ns: string, filter: Doc, u: Doc | Doc[], o: { upsert?: boolean; multi?: boolean; arrayFilters?: Doc[]; sort?: Doc }): WriteOutcome {
    const targets = this.find(ns, filter, o.multi ? {} : { sort: o.sort ?? {}, limit: 1 });
    if (targets.length === 0) {
      if (!o.upsert) return { matched: 0, modified: 0 };
      const seed = Array.isArray(u) || isOperatorDoc(u) ? seedFromFilter(filter) : { ...(filter._id !== undefined && !isPlain(filter._id) ? { _id: filter._id } : {}) };
      const doc = withIdFirst(applyUpdate(seed, u, o.arrayFilters, true));
      this.insert(ns, doc);
      return { matched: 0, modified: 0, upsertedId: doc._id };
    }
    const c = this.ws.ensure(ns);
    let modified = 0;
    for (const before of targets) {
      const after = applyUpdate(before, u, o.arrayFilters, false);
      if (keyOf(after._id) !== keyOf(before._id)) {
        throw new ServerError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
      }
      if (keyOf(after) === keyOf(before)) continue;
      this.write(c, idKey(before), after);
      modified++;
    }
    return { matched: targets.length, modified };
  }

  delete(ns: string, filter: Doc, limit: number, sort?: Doc): number {
    const targets = this.find(ns, filter, { sort: sort ?? {}, limit });
    for (const d of targets) this.write(this.ws.ensure(ns), idKey(d), undefined);
    return targets.length;
  }

  /** findAndModify: the document before or after the change, and what happened. */
  findAndModify(ns: string, cmd: Doc): { value: Doc | null; lastErrorObject: Doc } {
    const query = (cmd.query ?? {}) as Doc;
    const sort = cmd.sort as Doc | undefined;
    const [before] = this.find(ns, query, { sort: sort ?? {}, limit: 1 });
    const project = (d: Doc | undefined) => (d && cmd.fields ? (this.projectOne(d, cmd.fields as Doc)) : d) ?? null;
    if (cmd.remove) {
      if (before) this.write(this.ws.ensure(ns), idKey(before), undefined);
      return { value: project(before), lastErrorObject: { n: before ? 1 : 0 } };
    }
    const u = cmd.update as Doc | Doc[];
    if (!before) {
      if (!cmd.upsert) return { value: null, lastErrorObject: { n: 0, updatedExisting: false } };
      const r = this.update(ns, query, u, { upsert: true, arrayFilters: cmd.arrayFilters as Doc[] | undefined });
      const created = this.ws.get(ns)?.docs.get(keyOf(r.upsertedId));
      return { value: cmd.new ? project(created) : null, lastErrorObject: { n: 1, updatedExisting: false, upserted: r.upsertedId } };
    }
    this.update(ns, { _id: before._id }, u, { arrayFilters: cmd.arrayFilters as Doc[] | undefined });
    const after = this.ws.get(ns)?.docs.get(idKey(before));
    return { value: project(cmd.new ? after : before), lastErrorObject: { n: 1, updatedExisting: true } };
  }

  private projectOne(d: Doc, projection: Doc): Doc {
    return (new Query({}).find([d], projection).all()[0] as Doc | undefined) ?? d;
  }

  count(ns: string, filter: Doc | undefined, skip = 0, limit = 0): number {
    const n = Math.max(0, this.matching(ns, filter).length - skip);
    return limit ? Math.min(n, Math.abs(limit)) : n;
  }

  distinct(ns: string, key: string, filter: Doc | undefined): unknown[] {
    const seen = new Map<string, unknown>();
    for (const d of this.matching(ns, filter)) {
      const v = new Query({}).find([d], { [key]: 1, _id: 0 }).all()[0] as Doc | undefined;
      const values = key.split('.').reduce<unknown>((x, k) => (x as Doc | undefined)?.[k], v);
      for (const x of Array.isArray(values) ? values : [values]) if (x !== undefined) seen.set(keyOf(x), x);
    }
    return [...seen.values()];
  }
}

/** The `_id` values a filter pins down (`{_id: v}` or `{_id: {$in: [...]}}`), or null when it does not. */
function idsOf(id: unknown): unknown[] | null {
  if (id === undefined) return null;
  if (!isPlain(id)) return [id];
  const keys = Object.keys(id as Doc);
  if (keys.length === 1 && keys[0] === '$in' && Array.isArray((id as Doc).$in) && !(id as { $in: unknown[] }).$in.some((v) => isPlain(v) || v instanceof RegExp)) return [...new Set((id as { $in: unknown[] }).$in)];
  return null;
}
