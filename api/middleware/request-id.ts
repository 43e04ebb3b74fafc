import type { Middleware } from 'koa';
import { randomUUID } from 'node:crypto';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** X-Request-Id in and out. A client id is kept only if it is short and plain. */
export const requestId = (): Middleware => async (ctx, next) => {
  const incoming = ctx.get('x-request-id');
  const id = VALID.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = id;
  ctx.set('X-Request-Id', id);
  await next();
};
