import { z } from 'zod';
import { ACK_CODES, CONNECT_ERROR_CODES, PROTOCOL, UNKNOWN_EVENT_BUDGET, handshakeAuth } from './protocol.js';

/**
 * Builds the AsyncAPI 3 document of the socket protocol from the zod schemas
 * in server/protocol.ts: one channel per namespace, one operation per event
 * (client → hub operations carry their ack as the reply). `npm run docs:asyncapi`
 * writes docs/asyncapi.yaml; a test fails when the committed file drifts.
 */
export function buildAsyncApi(version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const [nsp, spec] of Object.entries(PROTOCOL)) {
    const ch = nsp.slice(1);
    const chMessages: Record<string, unknown> = {};
    for (const [event, e] of Object.entries(spec.receives)) {
      const id = messageId(ch, event);
      messages[id] = { name: event, title: event, summary: e.summary, payload: jsonSchema(e.payload, 'input') };
      messages[`${id}.ack`] = { name: `${event} ack`, summary: `Acknowledgement of ${event}; failures carry one of the ack codes.`, payload: jsonSchema(e.ack, 'output') };
      chMessages[id] = ref(`#/components/messages/${id}`);
      chMessages[`${id}.ack`] = ref(`#/components/messages/${id}.ack`);
      operations[id] = {
        action: 'receive',
        title: `${nsp} ${event}`,
        summary: e.summary,
        description: `Per-socket budget: ${e.budget.ratePerS} a second, burst ${e.budget.burst}; a message over it is not handled and its ack is RATE_LIMITED with details[0].retryAfterMs.`,
        'x-budget': e.budget,
        channel: ref(`#/channels/${ch}`),
        messages: [ref(`#/channels/${ch}/messages/${id}`)],
        reply: { channel: ref(`#/channels/${ch}`), messages: [ref(`#/channels/${ch}/messages/${id}.ack`)] },
      };
    }
    for (const [event, e] of Object.entries(spec.sends)) {
      const id = messageId(ch, event);
      messages[id] = { name: event, title: event, summary: e.summary, payload: jsonSchema(e.payload, 'output') };
      chMessages[id] = ref(`#/components/messages/${id}`);
      operations[id] = {
        action: 'send',
        title: `${nsp} ${event}`,
        summary: e.summary,
        channel: ref(`#/channels/${ch}`),
        messages: [ref(`#/channels/${ch}/messages/${id}`)],
      };
    }
    channels[ch] = {
      address: nsp,
      title: `${nsp} namespace`,
      description: `${spec.description} Roles: ${spec.roles.join(', ')}.`,
      messages: chMessages,
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Daraa real-time hub',
      version,
      description: [
        'Socket.IO 4 namespaces on the API server (WebSocket transport only).',
        'Authenticate with the access token from the REST API in the handshake: `io(url + "/courier", { auth: { token } })`.',
        `A refused handshake raises connect_error with err.data.code in: ${CONNECT_ERROR_CODES.join(', ')}.`,
        `Every client event takes an ack callback; failures are {ok:false, code, message, details?} with code in: ${ACK_CODES.join(', ')}; details is a list of {field?, reason?, message}, as in REST errors.`,
        `Every event has a per-socket budget (each operation's x-budget); over it the ack is RATE_LIMITED. An event a namespace does not accept is acked NOT_FOUND (budget ${UNKNOWN_EVENT_BUDGET.ratePerS} a second, burst ${UNKNOWN_EVENT_BUDGET.burst}, shared by all unknown events). NUL bytes and unpaired UTF-16 surrogates anywhere in a payload are a VALIDATION_ERROR.`,
        'Frames larger than SOCKET_MAX_FRAME_KB disconnect that socket only. Handshakes from an Origin outside CORS_ORIGINS are refused.',
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: 'localhost:3000', protocol: 'ws', description: '`npm start` (Socket.IO, path /socket.io/)', security: [ref('#/components/securitySchemes/accessToken')] },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: { HandshakeAuth: jsonSchema(handshakeAuth, 'input') },
      securitySchemes: {
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The REST access token, sent as handshake.auth.token (see HandshakeAuth).' },
      },
    },
  };
}

const messageId = (channel: string, event: string) => `${channel}.${event.replace(/:/g, '.')}`;
const ref = ($ref: string) => ({ $ref });

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** A small YAML writer for JSON values (block style, keys in insertion order, strings JSON-quoted when needed). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value
      .map((v) => {
        const inner = toYaml(v, indent + 1);
        return isBlock(v) ? `${pad}-\n${inner}` : `${pad}- ${inner}`;
      })
      .join('\n');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return entries
      .map(([k, v]) => {
        const key = scalar(k);
        return isBlock(v) ? `${pad}${key}:\n${toYaml(v, indent + 1)}` : `${pad}${key}: ${toYaml(v, indent + 1)}`;
      })
      .join('\n');
  }
  return scalar(value);
}

const isBlock = (v: unknown) => v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) ? s : JSON.stringify(s);
}

/** The file as committed at docs/asyncapi.yaml. */
export function renderAsyncApi(version: string): string {
  return `# Generated from server/protocol.ts by \`npm run docs:asyncapi\`. Do not edit by hand.\n${toYaml(buildAsyncApi(version))}\n`;
}
