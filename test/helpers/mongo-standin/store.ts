/**
 * The stand-in's data: collections of documents keyed by `_id`, their indexes (unique and
 * partial unique ones enforced), and workspaces, so a transaction writes to its own snapshot
 * and its writes reach the shared data only on commit.
 */
import { Query } from 'mingo';
import { resolve } from 'mingo/util';
import { clone, keyOf, type Doc } from './values.js';

export interface IndexSpec {
  v?: number;
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

/** A server error as the driver receives it: `code`, `codeName`, and any extra fields (keyPattern, keyValue). */
export class ServerError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string, readonly extra: Doc = {}, readonly labels: string[] = []) {
    super(message);
  }
}

/** Every key a document contributes to an index (one per array element for a multikey field), or none. */
function indexKeys(spec: IndexSpec, doc: Doc): string[] {
  if (spec.partialFilterExpression && !new Query(spec.partialFilterExpression).test(doc)) return [];
  const fields = Object.keys(spec.key);
  const values = fields.map((f) => resolve(doc, f));
  if (spec.sparse && values.every((v) => v === undefined)) return [];
  let keys = [''];
  for (const v of values) {
    const options = Array.isArray(v) && v.length ? v : [v];
    keys = keys.flatMap((k) => options.map((o) => `${k}|${keyOf(o)}`));
  }
  return [...new Set(keys)];
}

export class CollectionData {
  readonly docs = new Map<string, Doc>();
  readonly indexes: IndexSpec[] = [{ v: 2, key: { _id: 1 }, name: '_id_' }];
  /** index name → index key → the `_id` key holding it, for the unique indexes. */
  readonly unique = new Map<string, Map<string, string>>();
  /** Shared by a snapshot: never written again; a writer takes a copy (Workspace.ensure). */
  frozen = false;

  constructor(readonly ns: string) {}

  copy(): CollectionData {
    const c = new CollectionData(this.ns);
    for (const [k, d] of this.docs) c.docs.set(k, d);
    c.indexes.splice(0, c.indexes.length, ...this.indexes);
    for (const [name, m] of this.unique) c.unique.set(name, new Map(m));
    return c;
  }

  /** Writes (or with `undefined` deletes) one document, refusing a duplicate key on any unique index. */
  put(id: string, doc: Doc | undefined): void {
    const before = this.docs.get(id);
    for (const spec of this.indexes) {
      const owners = this.unique.get(spec.name);
      if (!owners || !doc) continue;
      for (const key of indexKeys(spec, doc)) {
        const owner = owners.get(key);
        if (owner !== undefined && owner !== id) throw duplicateKey(this.ns, spec, doc);
      }
    }
    for (const spec of this.indexes) {
      const owners = this.unique.get(spec.name);
      if (!owners) continue;
      if (before) for (const key of indexKeys(spec, before)) if (owners.get(key) === id) owners.delete(key);
      if (doc) for (const key of indexKeys(spec, doc)) owners.set(key, id);
    }
    if (doc) this.docs.set(id, doc);
    else this.docs.delete(id);
  }

  /** Adds an index; a unique one is built over the existing documents first and refused on duplicates. */
  addIndex(spec: IndexSpec): void {
    if (spec.unique) {
      const owners = new Map<string, string>();
      for (const [id, doc] of this.docs) {
        for (const key of indexKeys(spec, doc)) {
          if (owners.has(key)) throw duplicateKey(this.ns, spec, doc);
          owners.set(key, id);
        }
      }
      this.unique.set(spec.name, owners);
    }
    this.indexes.push(spec);
  }

  dropIndex(name: string): void {
    const i = this.indexes.findIndex((x) => x.name === name);
    if (i >= 0) this.indexes.splice(i, 1);
    this.unique.delete(name);
  }
}

export function duplicateKey(ns: string, spec: IndexSpec, doc: Doc): ServerError {
  const keyPattern: Doc = {};
  const keyValue: Doc = {};
  for (const f of Object.keys(spec.key)) {
    keyPattern[f] = spec.key[f];
    keyValue[f] = resolve(doc, f) ?? null;
  }
  const shown = Object.entries(keyValue).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ');
  return new ServerError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: { ${shown} }`, { keyPattern, keyValue });
}

/** A view of all collections: the shared one, or a transaction's snapshot. */
export class Workspace {
  /** `ns \0 id` → the transaction that wrote the document last (it holds it while active). Only on the shared workspace. */
  readonly writers = new Map<string, Transaction>();

  constructor(readonly colls = new Map<string, CollectionData>()) {}

  get(ns: string): CollectionData | undefined {
    return this.colls.get(ns);
  }

  /**
   * The collection to write to, created implicitly as the server does on the first write; a
   * collection a snapshot shares is copied first (copy on write), so a snapshot costs
   * O(collections), not O(documents), and a transaction copies only what it writes.
   */
  ensure(ns: string): CollectionData {
    let c = this.colls.get(ns);
    if (!c) this.colls.set(ns, (c = new CollectionData(ns)));
    else if (c.frozen) this.colls.set(ns, (c = c.copy()));
    return c;
  }

  snapshot(): Workspace {
    const copy = new Workspace();
    for (const [ns, c] of this.colls) {
      c.frozen = true;
      copy.colls.set(ns, c);
    }
    return copy;
  }
}

export const idKey = (doc: Doc): string => keyOf(doc._id);

/**
 * One multi-document transaction: reads and writes go to a snapshot taken at its first command.
 * As on the server, a write is a WriteConflict at once when the document changed outside since
 * the snapshot or when another active transaction has written it (the server holds the
 * document's write intent until that transaction ends), so the loser fails at its first
 * contended write rather than after all its work; commit applies the transaction's writes all
 * at once, or none of them.
 */
export class Transaction {
  readonly ws: Workspace;
  /** `ns \0 id` → the document as the snapshot had it, for every document this transaction wrote. */
  private readonly base = new Map<string, Doc | undefined>();
  state: 'active' | 'committed' | 'aborted' = 'active';

  constructor(private readonly shared: Workspace, readonly txnNumber: number) {
    this.ws = shared.snapshot();
  }

  /** Called before the transaction writes one document. */
  touch(ns: string, id: string): void {
    const at = `${ns}\0${id}`;
    if (this.base.has(at)) return;
    const before = this.ws.get(ns)?.docs.get(id);
    const holder = this.shared.writers.get(at);
    if (holder && holder !== this && holder.state === 'active') throw writeConflict();
    if (this.shared.get(ns)?.docs.get(id) !== before) throw writeConflict();
    this.shared.writers.set(at, this);
    this.base.set(at, before);
  }

  commit(): void {
    const staged = new Map<string, CollectionData>();
    for (const [at, before] of this.base) {
      const [ns, id] = at.split('\0') as [string, string];
      const current = this.shared.get(ns);
      if (current?.docs.get(id) !== before) throw writeConflict();
      let target = staged.get(ns);
      if (!target) staged.set(ns, (target = current?.copy() ?? this.adoptIndexes(ns)));
      target.put(id, this.ws.get(ns)?.docs.get(id));
    }
    for (const [ns, c] of staged) this.shared.colls.set(ns, c);
    this.state = 'committed';
    for (const at of this.base.keys()) if (this.shared.writers.get(at) === this) this.shared.writers.delete(at);
  }

  /** A collection first created inside the transaction. */
  private adoptIndexes(ns: string): CollectionData {
    const c = new CollectionData(ns);
    for (const spec of this.ws.get(ns)?.indexes.slice(1) ?? []) c.addIndex(clone(spec));
    return c;
  }
}

export function writeConflict(): ServerError {
  return new ServerError(112, 'WriteConflict', 'WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.', {}, ['TransientTransactionError']);
}
