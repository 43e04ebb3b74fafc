import { z } from 'zod';
import { defineEvent, type NewEvent } from '../shared/events.js';
import { SETTINGS, SETTING_KEYS, type SettingKey } from './settings.js';
import type { SettingChange } from './model.js';

export const settingChanged = defineEvent({
  type: 'platform.setting.changed',
  version: 1,
  aggregateType: 'setting',
  description: "An admin changed a marketplace setting; `value` is the new value as the key's schema reads it.",
  payload: z
    .strictObject({
      key: z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]]),
      version: z.number().int().min(1),
      value: z.unknown(),
      previousValue: z.unknown(),
      changedBy: z.string().max(128).nullable(),
      at: z.iso.datetime(),
    })
    // The value must be one the key accepts: a consumer never sees a setting it could not apply.
    .superRefine((p, ctx) => {
      const r = (SETTINGS[p.key].schema as z.ZodType).safeParse(p.value);
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['value', ...i.path], message: i.message });
    }),
});

export function settingChangedEvent(change: SettingChange): NewEvent {
  return {
    type: settingChanged.type,
    aggregateId: change.key,
    aggregateVersion: change.version,
    occurredAt: change.updatedAt.toISOString(),
    payload: { key: change.key, version: change.version, value: change.value, previousValue: change.previousValue, changedBy: change.updatedBy, at: change.updatedAt.toISOString() },
  };
}
