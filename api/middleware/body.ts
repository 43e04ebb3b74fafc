import type { Middleware } from 'koa';
import { AppError } from '../../domain/shared/errors.js';

/**
 * The body parser inflates `Content-Encoding: gzip | deflate | br` with zlib,
 * whose errors (a body that is not what its header says, a truncated stream)
 * carry no HTTP status and would answer 500. Anything the parser throws
 * without a status is the client's body, so it is a 400 BAD_REQUEST; errors
 * from further down pass untouched.
 */
export const decodedBody = (parser: Middleware): Middleware => async (ctx, next) => {
  let downstream = false;
  try {
    await parser(ctx, async () => {
      downstream = true;
      await next();
    });
  } catch (err) {
    if (downstream || typeof (err as { status?: unknown }).status === 'number') throw err;
    throw new AppError('BAD_REQUEST', `The request body could not be decoded as its Content-Encoding (${ctx.get('content-encoding') || 'identity'}) says`, { cause: err });
  }
};
