import { expect } from 'chai';
import type { z } from 'zod';
import { startTestApp, http, type TestApp } from '../helpers/app.js';
import { successSchema } from '../../api/envelope.js';

type JsonSchema = { $ref?: string; properties?: Record<string, JsonSchema>; additionalProperties?: boolean | JsonSchema; items?: JsonSchema; allOf?: JsonSchema[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; type?: string | string[] };
type Media = { schema?: JsonSchema; example?: unknown; examples?: Record<string, { value: { success: boolean; error: { code: string } } }> };
type Operation = { requestBody?: { content?: Record<string, Media> }; responses: Record<string, { description?: string; content?: Record<string, Media> }> };

describe('OpenAPI: every route documented with examples', function () {
  this.timeout(120_000);
  let app: TestApp;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
  before(async () => {
    app = await startTestApp({ role: 'api' });
    doc = (await http(`${app.url}/openapi.json`)).body as typeof doc;
  });
  after(() => app?.stop());

  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));

  it('when the document is read, then every JSON request body and every JSON success answer carries an example', () => {
    const missing: string[] = [];
    for (const { name, op } of operations()) {
      const body = op.requestBody?.content?.['application/json'];
      if (body && body.example === undefined) missing.push(`${name}: request body`);
      for (const [status, r] of Object.entries(op.responses)) {
        const json = r.content?.['application/json'];
        if (status.startsWith('2') && json && json.example === undefined) missing.push(`${name}: ${status} answer`);
      }
    }
    expect(operations().length).to.be.above(40);
    expect(missing, 'operations whose schemas carry too few examples').to.deep.equal([]);
  });

  it('when an operation declares error codes, then each error status has one example per code, in the failure envelope', () => {
    for (const { name, op } of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (status.startsWith('2') || status === '304' || !r.content) continue;
        const codes = (r.description ?? '').split(',').map((c) => c.trim());
        const examples = r.content['application/json']!.examples ?? {};
        expect(Object.keys(examples), `${name} ${status}`).to.deep.equal(codes);
        for (const [code, e] of Object.entries(examples)) expect(e.value, `${name} ${status}`).to.deep.include({ success: false }).and.have.nested.property('error.code', code);
      }
    }
  });

  it('when a success example is built, then it is the envelope around the data example (a list holds an item and its pagination)', () => {
    const list = doc.paths['/api/v1/admin/audit-log']!.get!.responses['200']!.content!['application/json']!.example as { success: boolean; data: { items: unknown[]; pagination: unknown } };
    expect(list).to.include({ success: true });
    expect(list.data.items).to.have.length(1);
    expect(list.data.pagination).to.deep.equal({ page: 1, limit: 20, total: 1, totalPages: 1 });
  });

  it("when an example is shown, then the route's own zod schemas accept it and it has no field its schema lacks", () => {
    const wrong: string[] = [];
    const check = (name: string, schema: z.ZodType, media: Media | undefined) => {
      if (!media) return;
      const parsed = schema.safeParse(media.example);
      if (!parsed.success) wrong.push(...parsed.error.issues.map((i) => `${name}: ${i.path.join('.')} ${i.message}`));
      wrong.push(...extraFields(media.example, media.schema, doc.components.schemas).map((f) => `${name}: ${f} is not in the schema`));
    };
    for (const route of app.system.composed.routes) {
      const name = `${route.method.toUpperCase()} ${route.path}`;
      const op = doc.paths[route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]![route.method]!;
      // The request body is parsed as the API parses it, so an example a client copies is accepted.
      if (route.body) check(`${name} request body`, route.body, op.requestBody?.content?.['application/json']);
      const status = String(route.status ?? 200);
      check(`${name} ${status} answer`, successSchema(route.response), op.responses[status]?.content?.['application/json']);
    }
    expect(wrong).to.deep.equal([]);
  });
});

/** Fields of `value` that `schema` does not name (a zod object lets unknown keys through, so a misspelt one would pass). */
function extraFields(value: unknown, schema: JsonSchema | undefined, components: Record<string, JsonSchema>, at = ''): string[] {
  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined => (s?.$ref ? resolve(components[s.$ref.split('/').pop()!]) : s);
  let s = resolve(schema);
  if (!s || typeof value !== 'object' || value === null) return [];
  if (s.allOf) {
    const parts = s.allOf.map(resolve);
    s = { properties: Object.assign({}, ...parts.map((p) => p?.properties ?? {})), additionalProperties: parts.find((p) => p?.additionalProperties)?.additionalProperties ?? false };
  }
  const alternatives = (s.anyOf ?? s.oneOf)?.map(resolve).filter((a) => a && a.type !== 'null');
  if (alternatives) {
    const outcomes = alternatives.map((a) => extraFields(value, a, components, at));
    return outcomes.find((o) => o.length === 0) ?? outcomes[0] ?? [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => extraFields(v, s.items, components, `${at}[${i}]`));
  // A schema that names no fields (z.unknown(), a free-form value) constrains none.
  if (!s.properties && typeof s.additionalProperties !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const inner = s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (!inner && !s.additionalProperties) return [`${at}${at ? '.' : ''}${key}`];
    return extraFields(v, inner, components, `${at}${at ? '.' : ''}${key}`);
  });
}
