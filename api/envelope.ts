import { queryNumber, z } from './zod.js';
import type { ErrorCode, ErrorDetail } from '../domain/shared/errors.js';

/** The one response envelope. Nothing else shapes a response body. */
export interface SuccessBody<T> {
  success: true;
  data: T;
  message: string;
}
export interface FailureBody {
  success: false;
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

export const success = <T>(data: T, message = 'OK'): SuccessBody<T> => ({ success: true, data, message });
export const failure = (code: ErrorCode, message: string, details?: ErrorDetail[]): FailureBody => ({
  success: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

export const paginationSchema = z.object({
  page: z.number().int().min(1),
  limit: z.number().int().min(1).max(100),
  total: z.number().int().min(0),
  totalPages: z.number().int().min(0),
}).openapi({ example: { page: 1, limit: 20, total: 1, totalPages: 1 } });

export const successSchema = (data: z.ZodType) => z.object({ success: z.literal(true), data, message: z.string().openapi({ example: 'OK' }) });
/** Every list, whatever it lists: `{items, pagination}`. */
export const pageSchema = (item: z.ZodType) => z.object({ items: z.array(item), pagination: paginationSchema });
/** The one shape of `details` (domain/shared/errors.ts ErrorDetail), the same in socket acks. */
export const errorDetailSchema = z
  .object({
    field: z.string().optional().openapi({ description: 'The input at fault, e.g. body.phone or query.lat.' }),
    reason: z.string().optional().openapi({ description: 'A machine-readable reason, e.g. login_locked.' }),
    message: z.string(),
  })
  .catchall(z.unknown())
  .openapi('ErrorDetail');
export const failureSchema = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), details: z.array(errorDetailSchema).optional() }),
  })
  .openapi('Error');

/** Query parameters shared by every list. */
export const pageQuery = {
  page: queryNumber(z.number().int().min(1)).default(1),
  limit: queryNumber(z.number().int().min(1).max(100)).default(20),
};
