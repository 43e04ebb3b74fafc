/**
 * Examples for every operation of the generated OpenAPI document, built from
 * the examples the zod schemas carry, so an example can never drift from the
 * schema it illustrates: a success answer's example is the envelope around the
 * example of its data (an object's example is its properties' examples, a
 * list's is one item), and each error status gets one example per error code
 * the route declares. `missingExamples` names the operations whose schemas
 * carry too few examples to build one; a test keeps that list empty.
 */
type Json = Record<string, unknown>;
type Schema = Json & { $ref?: string; example?: unknown; examples?: unknown[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; allOf?: Schema[]; anyOf?: Schema[]; oneOf?: Schema[]; enum?: unknown[]; const?: unknown; type?: string | string[]; default?: unknown };

const NONE = Symbol('no example');

/** What a client is told for each code, in the words the API really uses where one is typical. */
const ERROR_MESSAGES: Record<string, string> = {
  VALIDATION_ERROR: 'body.name is required',
  BAD_REQUEST: 'The request cannot be read',
  UNAUTHORIZED: 'Authentication required',
  INVALID_TOKEN: 'The token is invalid or expired',
  FORBIDDEN: 'Your role may not do this',
  NOT_FOUND: 'Not found',
  CONFLICT: 'It changed meanwhile; read it again and retry',
  PAYLOAD_TOO_LARGE: 'The body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The file is not an image of an accepted type',
  UNPROCESSABLE_ENTITY: 'The request is well formed but cannot be applied',
  RATE_LIMIT_EXCEEDED: 'Too many requests; retry after the Retry-After header',
  INTERNAL_ERROR: 'Something went wrong on our side',
  SERVICE_UNAVAILABLE: 'A dependency is unavailable; retry shortly',
  PAYMENT_DECLINED: 'The card was declined',
  PAYMENT_METHOD_UNAVAILABLE: 'Paying by wallet is not available: the wallet is not offered yet',
  REFUND_EXCEEDS_CAPTURED: 'Only 40000 minor units are left to refund',
  WEBHOOK_SIGNATURE_INVALID: 'The webhook signature does not verify',
  WEBHOOK_URL_REFUSED: 'This webhook URL is refused: the host resolves to a loopback, private or link-local address',
  PAYMENT_PROVIDER_ERROR: 'The payment provider failed (refund); retry later',
};
const DETAILS: Record<string, unknown[]> = { VALIDATION_ERROR: [{ field: 'body.name', message: 'Required' }] };

export function exampleOf(schema: Schema | undefined, components: Record<string, Schema>, depth = 0): unknown {
  if (!schema || depth > 12) return NONE;
  if (schema.$ref) return exampleOf(components[schema.$ref.split('/').pop()!], components, depth + 1);
  // A zod `.extend()` of a schema with an example inherits that example, which lacks the added
  // fields: an `allOf` is built from its parts (the base's example and the added fields' own),
  // with its own example laid over them (the inherited one changes nothing, a complete one wins).
  if (schema.allOf) {
    const parts = schema.allOf.map((s) => exampleOf(s, components, depth + 1));
    const own = typeof schema.example === 'object' && schema.example !== null ? schema.example : {};
    if (!parts.some((p) => p === NONE)) return Object.assign({}, ...(parts as Json[]), own);
  }
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.type === 'null') return null;
  if (schema.allOf) return NONE;
  for (const alternatives of [schema.anyOf, schema.oneOf]) {
    if (!alternatives) continue;
    const found = alternatives.map((s) => exampleOf(s, components, depth + 1)).find((e) => e !== NONE && e !== null);
    return found ?? (alternatives.some((s) => s.type === 'null') ? null : NONE);
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('array')) {
    const item = exampleOf(schema.items, components, depth + 1);
    return item === NONE ? NONE : [item];
  }
  if (schema.properties) {
    const out: Json = {};
    for (const [key, prop] of Object.entries(schema.properties)) {
      const e = exampleOf(prop, components, depth + 1);
      if (e === NONE) return NONE;
      out[key] = e;
    }
    return out;
  }
  return types.includes('null') ? null : NONE;
}

interface Operation { requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown }> }; responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema; example?: unknown; examples?: unknown }> }> }

/** Adds the examples in place; returns the operations (`GET /path: what`) it could not illustrate. */
export function addExamples(doc: { paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } }): string[] {
  const components = doc.components?.schemas ?? {};
  const missing: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const name = `${method.toUpperCase()} ${path}`;
      const body = op.requestBody?.content?.['application/json'];
      if (body && body.example === undefined) {
        const e = exampleOf(body.schema, components);
        if (e === NONE) missing.push(`${name}: request body`);
        else body.example = e;
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (!json || json.example !== undefined || json.examples !== undefined) continue;
        if (status.startsWith('2')) {
          const e = exampleOf(json.schema, components);
          if (e === NONE) missing.push(`${name}: ${status} response`);
          else json.example = e;
        } else {
          const codes = (response.description ?? '').split(',').map((c) => c.trim()).filter((c) => /^[A-Z_]+$/.test(c));
          json.examples = Object.fromEntries(codes.map((code) => [code, { value: { success: false, error: { code, message: ERROR_MESSAGES[code] ?? code.toLowerCase().replace(/_/g, ' '), ...(DETAILS[code] ? { details: DETAILS[code] } : {}) } } }]));
        }
      }
    }
  }
  return missing;
}
