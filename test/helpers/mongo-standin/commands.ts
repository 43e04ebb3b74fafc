/**
 * The server commands the driver sends (CRUD, indexes, collections, sessions and transactions),
 * answered in the server's reply shapes so the real driver and mongoose run unchanged on top.
 */
import { mongo } from 'mongoose';
import { Crud } from './crud.js';
import { CollectionData, ServerError, Transaction, Workspace, type IndexSpec } from './store.js';
import { normalizeTextIndex } from './text.js';
import { keyOf, type Doc } from './values.js';

const { Long } = mongo;
type Reply = Doc;

const cursorReply = (ns: string, docs: Doc[]): Reply => ({ cursor: { firstBatch: docs, id: Long.ZERO, ns }, ok: 1 });
const sameOptions = (a: IndexSpec, b: IndexSpec) =>
  (['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'weights', 'default_language'] as const).every((k) => keyOf(a[k] ?? null) === keyOf(b[k] ?? null) || (k === 'unique' && !a[k] === !b[k]));

/** Commands that change collections or indexes: refused inside a transaction (the stand-in does not model that). */
const DDL = new Set(['create', 'drop', 'createIndexes', 'dropIndexes', 'dropDatabase']);

export class CommandHandler {
  readonly shared = new Workspace();
  private readonly sessions = new Map<string, Transaction>();
  private connections = 0;

  /** host:port, as the member reports itself in `hello`. */
  address = '127.0.0.1:27017';

  nextConnectionId(): number {
    return ++this.connections;
  }

  hello(connectionId: number): Reply {
    return {
      helloOk: true, ismaster: true, isWritablePrimary: true, secondary: false,
      setName: 'standin', setVersion: 1, hosts: [this.address], primary: this.address, me: this.address,
      maxBsonObjectSize: 16 * 1024 * 1024, maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 100_000,
      localTime: new Date(), logicalSessionTimeoutMinutes: 30, connectionId, minWireVersion: 0, maxWireVersion: 21, readOnly: false, ok: 1,
    };
  }

  run(cmd: Doc, connectionId: number): Reply {
    const name = Object.keys(cmd)[0] ?? '';
    let txn: Transaction | undefined;
    try {
      txn = this.transactionFor(cmd);
      if (txn && DDL.has(name)) throw new ServerError(263, 'OperationNotSupportedInTransaction', `Cannot run '${name}' in a multi-document transaction on the mongo stand-in`);
      const reply = this.dispatch(name, cmd, connectionId, txn);
      if (txn && Array.isArray(reply.writeErrors) && reply.writeErrors.length) txn.state = 'aborted'; // any error aborts the transaction
      return reply;
    } catch (err) {
      if (txn) txn.state = 'aborted';
      if (err instanceof ServerError) return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName, ...err.extra, ...(err.labels.length ? { errorLabels: err.labels } : {}) };
      return { ok: 0, errmsg: `mongo stand-in: ${(err as Error).message}`, code: 8, codeName: 'UnknownError' };
    }
  }

  /** The transaction a command belongs to (`autocommit: false`), started by its first command. */
  private transactionFor(cmd: Doc): Transaction | undefined {
    if (cmd.autocommit !== false || !cmd.lsid) return undefined;
    const session = keyOf((cmd.lsid as Doc).id);
    const txnNumber = Number(cmd.txnNumber);
    const open = this.sessions.get(session);
    if (cmd.startTransaction) {
      if (open?.state === 'active') open.state = 'aborted';
      const t = new Transaction(this.shared, txnNumber);
      this.sessions.set(session, t);
      return t;
    }
    const name = Object.keys(cmd)[0];
    if (open && open.txnNumber === txnNumber && (open.state === 'active' || (open.state === 'committed' && name === 'commitTransaction'))) return open;
    throw new ServerError(251, 'NoSuchTransaction', `Transaction with txnNumber ${txnNumber} has been aborted or does not exist`, {}, ['TransientTransactionError']);
  }

  private dispatch(name: string, cmd: Doc, connectionId: number, txn: Transaction | undefined): Reply {
    const db = String(cmd.$db ?? 'test');
    const ns = `${db}.${String(cmd[name])}`;
    const ws = txn?.ws ?? this.shared;
    const crud = new Crud(ws, txn ? (n, id) => txn.touch(n, id) : undefined);
    switch (name) {
      case 'hello': case 'isMaster': case 'ismaster': return this.hello(connectionId);
      case 'ping': case 'endSessions': case 'killCursors': case 'getParameter': return { ok: 1 };
      case 'buildInfo': case 'buildinfo': return { version: '7.0.0-standin', versionArray: [7, 0, 0, 0], ok: 1 };
      case 'commitTransaction':
        if (txn!.state === 'active') txn!.commit();
        return { ok: 1 };
      case 'abortTransaction':
        txn!.state = 'aborted';
        return { ok: 1 };
      case 'find':
        return cursorReply(ns, crud.find(ns, cmd.filter as Doc, { sort: cmd.sort as Doc, skip: Number(cmd.skip ?? 0), limit: Number(cmd.limit ?? 0), projection: cmd.projection as Doc }));
      case 'aggregate':
        return cursorReply(ns, crud.aggregate(db, ns, cmd.pipeline as Doc[]));
      case 'count':
        return { n: crud.count(ns, cmd.query as Doc, Number(cmd.skip ?? 0), Number(cmd.limit ?? 0)), ok: 1 };
      case 'distinct':
        return { values: crud.distinct(ns, String(cmd.key), cmd.query as Doc), ok: 1 };
      case 'insert':
        return this.writes(cmd.documents as Doc[], cmd.ordered !== false, (d) => (crud.insert(ns, d), { n: 1 }));
      case 'update':
        return this.writes(cmd.updates as Doc[], cmd.ordered !== false, (u, index) => {
          const r = crud.update(ns, u.q as Doc, u.u as Doc, { upsert: !!u.upsert, multi: !!u.multi, arrayFilters: u.arrayFilters as Doc[], sort: u.sort as Doc });
          return r.upsertedId !== undefined ? { n: 1, upserted: { index, _id: r.upsertedId } } : { n: r.matched, nModified: r.modified };
        });
      case 'delete':
        return this.writes(cmd.deletes as Doc[], cmd.ordered !== false, (d) => ({ n: crud.delete(ns, d.q as Doc, Number(d.limit ?? 0)) }));
      case 'findAndModify': case 'findandmodify':
        return { ...crud.findAndModify(ns, cmd), ok: 1 };
      case 'create':
        if (ws.get(ns)) throw new ServerError(48, 'NamespaceExists', `Collection ${ns} already exists.`);
        ws.ensure(ns);
        return { ok: 1 };
      case 'drop':
        if (!ws.colls.delete(ns)) throw new ServerError(26, 'NamespaceNotFound', 'ns not found');
        return { ok: 1 };
      case 'dropDatabase':
        for (const key of [...ws.colls.keys()]) if (key.startsWith(`${db}.`)) ws.colls.delete(key);
        return { ok: 1 };
      case 'listCollections': {
        const names = [...ws.colls.keys()].filter((k) => k.startsWith(`${db}.`)).map((k) => k.slice(db.length + 1));
        const filterName = (cmd.filter as Doc | undefined)?.name;
        const docs = names.filter((n) => filterName === undefined || n === filterName).map((n) => ({ name: n, type: 'collection', options: {}, info: { readOnly: false } }));
        return cursorReply(`${db}.$cmd.listCollections`, docs);
      }
      case 'listIndexes': {
        const c = ws.get(ns);
        if (!c) throw new ServerError(26, 'NamespaceNotFound', `ns does not exist: ${ns}`);
        return cursorReply(ns, c.indexes);
      }
      case 'createIndexes':
        return this.createIndexes(ws, ns, cmd.indexes as IndexSpec[]);
      case 'dropIndexes': case 'deleteIndexes':
        return this.dropIndexes(ws.get(ns) ? ws.ensure(ns) : undefined, ns, cmd.index);
      default:
        throw new ServerError(59, 'CommandNotFound', `no such command: '${name}' (not modelled by the mongo stand-in)`);
    }
  }

  /** Runs each write; ordered writes stop at the first error, which is reported in `writeErrors`. */
  private writes(ops: Doc[], ordered: boolean, one: (op: Doc, index: number) => { n: number; nModified?: number; upserted?: Doc }): Reply {
    const reply = { n: 0, nModified: 0, upserted: [] as Doc[], writeErrors: [] as Doc[], ok: 1 };
    for (const [index, op] of ops.entries()) {
      try {
        const r = one(op, index);
        reply.n += r.n;
        reply.nModified += r.nModified ?? 0;
        if (r.upserted) reply.upserted.push(r.upserted);
      } catch (err) {
        if (!(err instanceof ServerError) || err.code === 112) throw err;
        reply.writeErrors.push({ index, code: err.code, codeName: err.codeName, errmsg: err.message, ...err.extra });
        if (ordered) break;
      }
    }
    const { upserted, writeErrors, ...rest } = reply;
    return { ...rest, ...(upserted.length ? { upserted } : {}), ...(writeErrors.length ? { writeErrors } : {}) };
  }

  /** Same name with other keys or options, or the same keys under another name, conflict as on the server. */
  private createIndexes(ws: Workspace, ns: string, specs: IndexSpec[]): Reply {
    const existed = ws.get(ns) !== undefined;
    const c = ws.ensure(ns);
    const before = c.indexes.length;
    for (const raw of specs) {
      const { key, name, background: _b, v: _v, ...options } = raw;
      const spec: IndexSpec = normalizeTextIndex({ v: 2, key, name, ...options }, c.indexes);
      const byName = c.indexes.find((i) => i.name === spec.name);
      const byKey = c.indexes.find((i) => keyOf(i.key) === keyOf(spec.key));
      if (byName) {
        if (keyOf(byName.key) !== keyOf(spec.key)) throw new ServerError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index but different keys. Requested: ${spec.name}`);
        if (!sameOptions(byName, spec)) throw new ServerError(85, 'IndexOptionsConflict', `An equivalent index already exists with the same name but different options. Requested index: ${spec.name}`);
        continue;
      }
      if (byKey && sameOptions(byKey, spec)) throw new ServerError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${byKey.name}`);
      c.addIndex(spec);
    }
    return { createdCollectionAutomatically: !existed, numIndexesBefore: before, numIndexesAfter: c.indexes.length, ok: 1 };
  }

  private dropIndexes(c: CollectionData | undefined, ns: string, which: unknown): Reply {
    if (!c) throw new ServerError(26, 'NamespaceNotFound', `ns not found ${ns}`);
    const names = which === '*' ? c.indexes.slice(1).map((i) => i.name)
      : Array.isArray(which) ? (which as string[])
        : typeof which === 'string' ? [which]
          : c.indexes.filter((i) => keyOf(i.key) === keyOf(which)).map((i) => i.name);
    for (const n of names) {
      if (n === '_id_') throw new ServerError(72, 'InvalidOptions', 'cannot drop _id index');
      if (!c.indexes.some((i) => i.name === n)) throw new ServerError(27, 'IndexNotFound', `index not found with name [${n}]`);
    }
    if (names.length === 0) throw new ServerError(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(which)}`);
    const before = c.indexes.length;
    for (const n of names) c.dropIndex(n);
    return { nIndexesWas: before, ok: 1 };
  }
}
