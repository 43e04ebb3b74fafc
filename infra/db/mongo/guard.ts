import { validationError } from '../../../domain/shared/errors.js';

/**
 * Values that reach a Mongo filter must have the type the port promises: an object such as
 * `{ $ne: null }` arriving where a string belongs (from a JSON body, say) would be read as an
 * operator and match documents it should not. The adapters check every such value first.
 */
export function str(value: unknown, field: string): string {
  if (typeof value !== 'string') throw validationError(`${field} must be a string`, [{ field, message: 'must be a string' }]);
  return value;
}

export function optStr(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : str(value, field);
}

export function when(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw validationError(`${field} must be a valid date`, [{ field, message: 'must be a valid date' }]);
  return value;
}
