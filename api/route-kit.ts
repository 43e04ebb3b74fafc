import type Router from '@koa/router';
import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { z } from './zod.js';
import { getOpenApiMetadata, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { AppError, ERROR_STATUS, type ErrorCode } from '../domain/shared/errors.js';
import type { Principal, Role } from '../domain/shared/principal.js';
import { UNSAFE_TEXT_MESSAGE, unsafeTextPaths } from '../domain/shared/text.js';
import { failureSchema, success, successSchema } from './envelope.js';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER, idempotencyKeyOf, type IdempotencyGuard, type IdempotencyMode } from './middleware/idempotency.js';

/**
 * Who may call a route. Role *and* ownership: the role is checked here; ownership
 * is checked by the use case, which receives the principal.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authenticated'; roles: readonly Role[]; permission?: string };

export const PUBLIC: Access = { kind: 'public' };
export const roles = (...r: Role[]): Access => ({ kind: 'authenticated', roles: r });
export const admin = (permission: string): Access => ({ kind: 'authenticated', roles: ['admin'], permission });

export interface RequestContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
  /** Present on every non-public route. */
  auth: Principal;
  ctx: Context;
  origin: { ip: string; userAgent: string | null; requestId: string };
  /** The raw request body of an `upload` route, read after access was checked. */
  file?: { contentType: string; bytes: Buffer };
}

/** A route whose body is one raw file (not JSON), capped while it streams in. */
export interface UploadSpec {
  contentTypes: string[];
  maxBytes: number;
}

/** A request header a route reads, as OpenAPI documents it. */
export interface HeaderParameter {
  name: string;
  required: boolean;
  description: string;
  maxLength?: number;
}

/** One route: validation, access, OpenAPI and the handler in one definition. */
export interface RouteSpec<P = any, Q = any, B = any> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Koa-style path, e.g. /api/v1/admin/audit-log/:id */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  /** Named rate-limit policy applied on top of the global one. */
  rateLimit?: 'strict';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  upload?: UploadSpec;
  /** Schema of `data` in the success envelope. */
  response: z.ZodType;
  status?: number;
  /** Error codes this route can answer with (documented in OpenAPI). */
  errors?: ErrorCode[];
  /** When the route answers 404 for a foreign resource to keep its existence private. */
  hidesForeign?: boolean;
  /**
   * A GET whose answer carries an ETag (a hash of the envelope) and this
   * Cache-Control; a request whose If-None-Match names the current ETag gets 304 without a body.
   */
  conditional?: { cacheControl: string };
  /**
   * The route honours an Idempotency-Key (api/middleware/idempotency.ts): `required` refuses a
   * request without one, `optional` dedupes only when one is sent. Authenticated routes only.
   */
  idempotency?: IdempotencyMode;
  /** Request headers the handler reads (documented as OpenAPI header parameters; the handler validates them). */
  headers?: HeaderParameter[];
  message?: string;
  handler(req: RequestContext<P, Q, B>): Promise<unknown>;
}

/** A handler's answer sent as bytes, not in the JSON envelope (served files). */
export class RawBody {
  constructor(readonly contentType: string, readonly body: Buffer, readonly headers: Record<string, string> = {}) {}
}

export const defineRoute = <P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> => spec;

/**
 * Every input goes through here. NUL bytes and lone surrogates are refused for
 * every route before its schema runs (whatever the schema says), so none can
 * reach a store and come back as an internal error.
 */
function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const unsafe = unsafeTextPaths(value, [where]);
  if (unsafe.length > 0) {
    throw new AppError('VALIDATION_ERROR', `Invalid ${where}`, { details: unsafe.map((field) => ({ field, message: UNSAFE_TEXT_MESSAGE })) });
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('VALIDATION_ERROR', `Invalid ${where}`, {
    details: r.error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message, code: i.code })),
  });
}

export function authorize(access: Access, principal: Principal | undefined): void {
  if (access.kind === 'public') return;
  if (!principal) throw new AppError('UNAUTHORIZED', 'Authentication required');
  if (!access.roles.includes(principal.role)) throw new AppError('FORBIDDEN', 'This role may not do that');
  if (access.permission && principal.role === 'admin' && !principal.permissions.includes(access.permission)) {
    throw new AppError('FORBIDDEN', `Missing permission ${access.permission}`);
  }
}

async function readUpload(ctx: Context, spec: UploadSpec): Promise<{ contentType: string; bytes: Buffer }> {
  const contentType = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (!spec.contentTypes.includes(contentType)) {
    throw new AppError('VALIDATION_ERROR', 'Unsupported content type', { details: [{ field: 'headers.content-type', message: `must be one of ${spec.contentTypes.join(', ')}` }] });
  }
  if (Number(ctx.get('content-length') || 0) > spec.maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `Files are limited to ${spec.maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > spec.maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `Files are limited to ${spec.maxBytes} bytes`);
    chunks.push(chunk);
  }
  return { contentType, bytes: Buffer.concat(chunks) };
}

/** The router keeps a parameter it cannot percent-decode as it came; such a path is refused, not looked up. */
function assertDecodablePath(path: string): void {
  try {
    decodeURIComponent(path);
  } catch {
    throw new AppError('VALIDATION_ERROR', 'Invalid params', { details: [{ field: 'params', message: 'the path is not valid percent-encoded UTF-8' }] });
  }
}

/**
 * Weak comparison of If-None-Match with our ETag. Not Koa's `ctx.fresh`: it answers
 * "stale" whenever the request says `Cache-Control: no-cache`, which fetch() adds to
 * every conditional request, so no browser client would ever get its 304.
 */
function notModified(ifNoneMatch: string, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));
}

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export interface RoutePolicies {
  strict: Middleware;
  /** Needed as soon as one route declares `idempotency`. */
  idempotency?: IdempotencyGuard;
}

export function mountRoutes(router: Router, registry: OpenAPIRegistry, routes: RouteSpec[], policies: RoutePolicies): void {
  for (const route of routes) {
    const extra: Middleware[] = route.rateLimit === 'strict' ? [policies.strict] : [];
    const guard = route.idempotency ? policies.idempotency : undefined;
    if (route.idempotency && (!guard || route.access.kind === 'public')) throw new Error(`${route.method} ${route.path}: idempotency needs an authenticated route and the idempotency guard`);
    router[route.method](route.path, ...extra, async (ctx) => {
      const principal = ctx.state.principal as Principal | undefined;
      authorize(route.access, principal);
      assertDecodablePath(ctx.path);
      const key = route.idempotency ? idempotencyKeyOf(ctx, route.idempotency) : undefined;
      const params = parse(route.params, ctx.params, 'params');
      const query = parse(route.query, ctx.query, 'query');
      const body = parse(route.body, (ctx.request as { body?: unknown }).body ?? {}, 'body');
      const respond = () => runHandler(ctx, route, { params, query, body, principal });
      if (guard && key !== undefined) await guard(ctx, route, key, respond);
      else await respond();
    });
    registerOpenApi(registry, route);
  }
}

/** Runs the handler and writes its answer: raw bytes, or the envelope (with an ETag for conditional GETs). */
async function runHandler(ctx: Context, route: RouteSpec, input: { params: unknown; query: unknown; body: unknown; principal: Principal | undefined }): Promise<void> {
  const { params, query, body, principal } = input;
  const file = route.upload ? await readUpload(ctx, route.upload) : undefined;
  const data = await route.handler({
    ...(file ? { file } : {}),
    params,
    query,
    body,
    principal,
    auth: principal as Principal,
    ctx,
    origin: { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, requestId: ctx.state.requestId as string },
  });
  ctx.status = route.status ?? 200;
  if (data instanceof RawBody) {
    ctx.set(data.headers);
    ctx.type = data.contentType;
    ctx.body = data.body;
    return;
  }
  const envelope = success(data ?? null, route.message);
  if (route.conditional) {
    ctx.set('Cache-Control', route.conditional.cacheControl);
    const etag = `W/"${createHash('sha256').update(JSON.stringify(envelope)).digest('base64url').slice(0, 27)}"`;
    ctx.set('ETag', etag);
    if (notModified(ctx.get('if-none-match'), etag)) {
      ctx.status = 304;
      return;
    }
  }
  ctx.body = envelope;
}

function headerParameters(route: RouteSpec) {
  const out: { in: 'header'; name: string; required: boolean; description: string; schema: { type: 'string'; maxLength?: number } }[] = [];
  for (const h of route.headers ?? []) {
    out.push({ in: 'header', name: h.name, required: h.required, description: h.description, schema: { type: 'string', ...(h.maxLength ? { maxLength: h.maxLength } : {}) } });
  }
  if (route.conditional) out.push({ in: 'header', name: 'If-None-Match', required: false, description: 'The ETag of an earlier answer: 304 Not Modified while it is still current.', schema: { type: 'string' } });
  if (route.idempotency) {
    out.push({
      in: 'header', name: IDEMPOTENCY_HEADER, required: route.idempotency === 'required', schema: { type: 'string', maxLength: 255 },
      description: 'A unique key per intended operation (a UUID), resent unchanged on retries: a retry gets the first answer with Idempotent-Replayed: true; the same key with another body answers 422; while the first is still running, 409 with Retry-After. Kept 24 hours.',
    });
  }
  return out;
}

function registerOpenApi(registry: OpenAPIRegistry, route: RouteSpec): void {
  const codes = new Set<ErrorCode>(route.errors ?? []);
  if (route.params || route.query || route.body || route.upload) codes.add('VALIDATION_ERROR');
  if (route.upload) codes.add('PAYLOAD_TOO_LARGE');
  if (route.idempotency) {
    if (route.idempotency === 'required') codes.add('IDEMPOTENCY_KEY_REQUIRED');
    codes.add('IDEMPOTENCY_KEY_REUSED');
    codes.add('IDEMPOTENCY_KEY_IN_USE');
  }
  if (route.access.kind !== 'public') {
    codes.add('UNAUTHORIZED');
    codes.add('FORBIDDEN');
  }
  codes.add('RATE_LIMIT_EXCEEDED');
  codes.add('INTERNAL_ERROR');
  const errorResponses: Record<string, { description: string; content: { 'application/json': { schema: z.ZodType } } }> = {};
  for (const code of codes) {
    const status = String(ERROR_STATUS[code]);
    const prev = errorResponses[status]?.description;
    errorResponses[status] = { description: prev ? `${prev}, ${code}` : code, content: { 'application/json': { schema: failureSchema } } };
  }
  const access =
    route.access.kind === 'public'
      ? 'Public.'
      : `Roles: ${route.access.roles.join(', ')}${route.access.permission ? `; admin permission \`${route.access.permission}\`` : ''}.`;
  registry.registerPath({
    method: route.method,
    path: toOpenApiPath(route.path),
    summary: route.summary,
    description: `${access}${route.rateLimit === 'strict' ? ' Strict rate limit.' : ''}${route.hidesForeign ? ' Answers 404 for resources of other accounts.' : ''}`,
    tags: route.tags,
    ...(route.access.kind === 'public' ? {} : { security: [{ bearerAuth: [] }] }),
    request: {
      ...(route.params ? { params: route.params as z.ZodObject } : {}),
      ...(route.query ? { query: route.query as z.ZodObject } : {}),
      ...(route.body ? { body: { content: { 'application/json': { schema: route.body } }, required: true } } : {}),
      ...(route.upload
        ? { body: { description: `One file, at most ${route.upload.maxBytes} bytes.`, required: true, content: Object.fromEntries(route.upload.contentTypes.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }])) } }
        : {}),
    },
    ...(headerParameters(route).length ? { parameters: headerParameters(route) } : {}),
    responses: {
      [String(route.status ?? 200)]: {
        description: route.message ?? 'OK',
        ...(route.conditional ? { headers: { ETag: { description: 'Identifies this answer; send it back as If-None-Match.', schema: { type: 'string' } }, 'Cache-Control': { description: route.conditional.cacheControl, schema: { type: 'string' } } } } : {}),
        ...(route.idempotency ? { headers: { [REPLAYED_HEADER]: { description: 'true when this is the stored answer of an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] } } } } : {}),
        // A file (a picture, a document) is sent as its bytes, not in the envelope.
        content: getOpenApiMetadata(route.response)?.format === 'binary'
          ? { 'application/octet-stream': { schema: route.response } }
          : { 'application/json': { schema: successSchema(route.response) } },
      },
      ...(route.conditional ? { 304: { description: 'Not modified: the If-None-Match ETag is still current.' } } : {}),
      ...errorResponses,
    },
  });
}
