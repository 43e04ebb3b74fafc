import { text, z } from '../zod.js';
import type { ChangeSetting } from '../../domain/platform/use-cases/change-setting.js';
import type { SettingsQueries } from '../../domain/platform/use-cases/settings-queries.js';
import { PUBLIC_SETTING_KEYS, SETTING_KEYS, SETTINGS } from '../../domain/platform/settings.js';
import { admin, defineRoute, PUBLIC, type RouteSpec } from '../route-kit.js';
import { EXAMPLE_ID } from './example-ids.js';

export interface SettingsRouteDeps {
  changeSetting: ChangeSetting;
  settingsQueries: SettingsQueries;
}

const tags = ['settings'];
const FEE_BANDS_EXAMPLE = [
  { upToMeters: 2000, feeMinor: 50000 },
  { upToMeters: 5000, feeMinor: 100000 },
  { upToMeters: 10000, feeMinor: 150000 },
  { upToMeters: 15000, feeMinor: 200000 },
];

/** Built from the registry, so a new public key is documented (and served) without touching this file. */
const publicSettingsSchema = z
  .strictObject(Object.fromEntries(PUBLIC_SETTING_KEYS.map((k) => [k, SETTINGS[k].schema.describe(SETTINGS[k].description)])))
  .openapi('PublicSettings', { example: Object.fromEntries(PUBLIC_SETTING_KEYS.map((k) => [k, SETTINGS[k].default])) });

const keyDoc = `One of: ${SETTING_KEYS.map((k) => `\`${k}\``).join(', ')}.`;
const settingSchema = z
  .object({
    key: z.string(),
    value: z.unknown().openapi({ description: "The current value (the default while version is 0), as the key's schema reads it." }),
    version: z.number().int().openapi({ description: '0 while the key holds its default; +1 per change.' }),
    default: z.unknown(),
    public: z.boolean().openapi({ description: 'Served by the public GET /api/v1/settings.' }),
    description: z.string(),
    updatedAt: z.string().nullable().openapi({ format: 'date-time' }),
    updatedBy: z.string().nullable(),
  })
  .openapi('Setting', {
    example: { key: 'delivery.feeBands', value: FEE_BANDS_EXAMPLE, version: 3, default: SETTINGS['delivery.feeBands'].default, public: true, description: SETTINGS['delivery.feeBands'].description, updatedAt: '2026-12-01T09:30:00.000Z', updatedBy: EXAMPLE_ID.admin },
  });
const settingChangeSchema = z
  .object({ version: z.number().int(), value: z.unknown(), previousValue: z.unknown(), at: z.string().openapi({ format: 'date-time' }), by: z.string().nullable(), reason: z.string().nullable() })
  .openapi('SettingChange', { example: { version: 3, value: FEE_BANDS_EXAMPLE, previousValue: SETTINGS['delivery.feeBands'].default, at: '2026-12-01T09:30:00.000Z', by: EXAMPLE_ID.admin, reason: 'Cover the new Mezzeh suburbs' } });

const keyParams = z.strictObject({ key: z.string().min(1).max(64).openapi({ description: keyDoc, example: 'delivery.feeBands' }) });

const changeBody = z
  .strictObject({
    // Checked against the key's own schema by the use case, whose errors name the field inside the value (e.g. value.1.upToMeters).
    value: z.unknown().refine((v) => v !== undefined, { message: 'is required' }).openapi({ description: "The new value; each key has its own schema (see the key's default in GET /api/v1/admin/settings)." }),
    expectedVersion: z.number().int().min(0).openapi({ description: 'The version you read (0 for a key still at its default). Another version answers 409 SETTING_VERSION_CONFLICT.' }),
    reason: text(500).optional().openapi({ description: 'Why, kept in the history and the audit log.' }),
  })
  .openapi('SettingChangeRequest', { example: { value: FEE_BANDS_EXAMPLE, expectedVersion: 2, reason: 'Cover the new Mezzeh suburbs' } });

/** The public settings a client needs, and the admin routes that read and change every setting. */
export function settingsRoutes(deps: SettingsRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/settings',
      summary: 'Read the public marketplace settings (currency, VAT, delivery-fee bands, minimum order)',
      tags,
      access: PUBLIC,
      // Clients revalidate every time (cheap with If-None-Match), so a change reaches them at once.
      conditional: { cacheControl: 'public, no-cache' },
      response: publicSettingsSchema,
      handler: async () => deps.settingsQueries.publicValues(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/settings',
      summary: 'Every setting with its value, version, default and description',
      tags: ['admin', ...tags],
      access: admin('settings:read'),
      response: z.array(settingSchema),
      handler: ({ auth }) => deps.settingsQueries.list(auth),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/settings/:key',
      summary: 'One setting with its history (newest first, the last 50 changes)',
      tags: ['admin', ...tags],
      access: admin('settings:read'),
      params: keyParams,
      response: settingSchema.extend({ history: z.array(settingChangeSchema) }),
      errors: ['NOT_FOUND'],
      handler: ({ auth, params }) => deps.settingsQueries.get(auth, params.key),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/admin/settings/:key',
      summary: 'Change one setting (optimistic: send the version you read); every running process applies it within seconds',
      tags: ['admin', ...tags],
      access: admin('settings:write'),
      params: keyParams,
      body: changeBody,
      response: settingSchema.extend({ changed: z.boolean().openapi({ description: 'false when the key already held this value: nothing was written.', example: true }) }),
      errors: ['NOT_FOUND', 'SETTING_VERSION_CONFLICT'],
      handler: ({ auth, params, body, origin }) =>
        deps.changeSetting.execute(auth, params.key, { value: body.value, expectedVersion: body.expectedVersion, ...(body.reason ? { reason: body.reason } : {}) }, { ip: origin.ip, userAgent: origin.userAgent, requestId: origin.requestId }),
    }),
  ];
}
