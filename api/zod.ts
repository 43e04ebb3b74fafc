// zod with `.openapi()` metadata. API modules import `z` from here so the
// extension is always applied before a schema is built.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
