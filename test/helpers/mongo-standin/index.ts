/**
 * mongo-standin: an in-memory MongoDB server speaking the wire protocol on a loopback port,
 * so the real driver, real mongoose and our unchanged adapters run on it when no mongod can.
 * Queries, updates and aggregations are mingo's; indexes, counts, sessions and transactions
 * follow the server. What it cannot prove is listed in the README (Persistence).
 */
import net from 'node:net';
import { mongo } from 'mongoose';
import { CommandHandler } from './commands.js';
import type { Doc } from './values.js';

const { BSON } = mongo;
const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

export interface MongoStandin {
  /** A connection string for the driver (`directConnection`, one member reported as primary). */
  uri(dbName: string): string;
  stop(): Promise<void>;
}

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(0, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsgReply(requestId: number, reply: Doc): Buffer {
  const body = Buffer.from(BSON.serialize(reply, { ignoreUndefined: false }));
  const flags = Buffer.alloc(5); // flagBits 0, then section kind 0
  return Buffer.concat([header(16 + flags.length + body.length, requestId, OP_MSG), flags, body]);
}

function opReply(requestId: number, reply: Doc): Buffer {
  const body = Buffer.from(BSON.serialize(reply));
  const fields = Buffer.alloc(20); // responseFlags, cursorID (0), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(16 + fields.length + body.length, requestId, OP_REPLY), fields, body]);
}

const bsonAt = (buf: Buffer, at: number) => BSON.deserialize(buf.subarray(at, at + buf.readInt32LE(at))) as Doc;

/** The command of one OP_MSG: the kind-0 body plus any kind-1 document sequences. */
function parseOpMsg(msg: Buffer): { cmd: Doc; moreToCome: boolean } {
  const flags = msg.readUInt32LE(16);
  const end = msg.length - (flags & 1 ? 4 : 0);
  let at = 20;
  let cmd: Doc = {};
  const sequences: Record<string, Doc[]> = {};
  while (at < end) {
    const kind = msg[at++];
    if (kind === 0) {
      cmd = bsonAt(msg, at);
      at += msg.readInt32LE(at);
    } else {
      const size = msg.readInt32LE(at);
      const stop = at + size;
      const nameEnd = msg.indexOf(0, at + 4);
      const id = msg.toString('utf8', at + 4, nameEnd);
      const docs: Doc[] = [];
      for (let p = nameEnd + 1; p < stop; p += msg.readInt32LE(p)) docs.push(bsonAt(msg, p));
      sequences[id] = docs;
      at = stop;
    }
  }
  return { cmd: { ...cmd, ...sequences }, moreToCome: (flags & 2) !== 0 };
}

/** The handshake command of a legacy OP_QUERY (the driver's first message on a connection). */
function parseOpQuery(msg: Buffer): Doc {
  const nameEnd = msg.indexOf(0, 20);
  return bsonAt(msg, nameEnd + 1 + 8);
}

export async function startMongoStandin(): Promise<MongoStandin> {
  const sockets = new Set<net.Socket>();
  const handler = new CommandHandler();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const connectionId = handler.nextConnectionId();
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const msg = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(msg.length);
        const requestId = msg.readInt32LE(4);
        const opCode = msg.readInt32LE(12);
        if (opCode === OP_QUERY) {
          socket.write(opReply(requestId, handler.run(parseOpQuery(msg), connectionId)));
        } else if (opCode === OP_MSG) {
          const { cmd, moreToCome } = parseOpMsg(msg);
          const reply = handler.run(cmd, connectionId);
          if (!moreToCome) socket.write(opMsgReply(requestId, reply));
        } else {
          socket.destroy(); // compression and legacy opcodes are not modelled
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  handler.address = `127.0.0.1:${port}`;
  return {
    uri: (dbName) => `mongodb://127.0.0.1:${port}/${dbName}?directConnection=true`,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
