import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import './zod.js';
import { addExamples } from './openapi-examples.js';

export { OpenAPIRegistry };

export function newRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from POST /api/v1/auth/login (15 minutes).',
  });
  return registry;
}

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests,
 * with an example for every request body, answer and error code (api/openapi-examples.ts).
 */
export function buildOpenApiDocument(registry: OpenAPIRegistry, serverUrl?: string): object {
  const doc = generate(registry, serverUrl);
  addExamples(doc as Parameters<typeof addExamples>[0]);
  return doc;
}

/** The operations whose schemas carry too few examples to build one (a test keeps this empty). */
export function operationsWithoutExamples(registry: OpenAPIRegistry): string[] {
  return addExamples(generate(registry) as Parameters<typeof addExamples>[0]);
}

function generate(registry: OpenAPIRegistry, serverUrl?: string): object {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Daraa API',
      version: '1.0.0',
      description:
        'Real-time logistics core for delivery marketplaces. Every response uses the envelope ' +
        '`{success, data, message}` or `{success:false, error:{code,message,details}}`; lists are `data: {items, pagination:{page,limit,total,totalPages}}`.',
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
  });
}
