import { notFound, validationError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Principal } from '../../shared/principal.js';
import { LOCALES, NotificationTemplate, type Channel, type Locale } from '../model.js';
import type { TemplateRepository } from '../ports.js';
import { templateVariables, TRIGGERS } from '../triggers.js';

export interface TemplateView {
  eventType: string;
  channel: Channel;
  locale: Locale;
  title: string | null;
  body: string;
  /** `saved` by an admin, else the built-in `default`. */
  source: 'saved' | 'default';
  variables: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}

/** Admins edit the message texts; placeholders are checked against the event's schema when saved. */
export class ManageTemplates {
  constructor(private readonly deps: { notificationTemplates: TemplateRepository; clock: Clock }) {}

  async save(admin: Principal, key: { eventType: string; channel: Channel; locale: Locale }, input: { title?: string | null | undefined; body: string }): Promise<TemplateView> {
    const variables = templateVariables(key.eventType);
    const trigger = TRIGGERS.find((t) => t.event.type === key.eventType);
    if (!variables || !trigger) throw notFound('Notification trigger');
    if (!trigger.channels.includes(key.channel)) throw validationError(`${key.eventType} is not sent by ${key.channel}`, [{ field: 'channel', message: `one of ${trigger.channels.join(', ')}` }]);
    const t = NotificationTemplate.create({ ...key, title: input.title ?? null, body: input.body, updatedAt: this.deps.clock.now(), updatedBy: admin.accountId }, variables);
    await this.deps.notificationTemplates.save(t);
    return viewOf(t, 'saved', variables);
  }

  /** Deletes a saved template: the built-in default applies again. */
  async remove(key: { eventType: string; channel: Channel; locale: Locale }): Promise<void> {
    if (!(await this.deps.notificationTemplates.delete(key.eventType, key.channel, key.locale))) throw notFound('Notification template');
  }

  /** Every trigger's channels in every locale: the saved template where there is one, else the default. */
  async list(eventType?: string): Promise<TemplateView[]> {
    const saved = new Map((await this.deps.notificationTemplates.list(eventType)).map((t) => [JSON.stringify(t.key), t]));
    const out: TemplateView[] = [];
    for (const trigger of TRIGGERS) {
      if (eventType && trigger.event.type !== eventType) continue;
      const variables = templateVariables(trigger.event.type)!;
      for (const channel of trigger.channels) {
        for (const locale of LOCALES) {
          const s = saved.get(JSON.stringify({ eventType: trigger.event.type, channel, locale }));
          const d = trigger.defaults[locale];
          out.push(s ? viewOf(s, 'saved', variables) : viewOf(NotificationTemplate.restore({ eventType: trigger.event.type, channel, locale, title: channel === 'sms' ? null : d.title, body: d.body, updatedAt: new Date(0), updatedBy: null }), 'default', variables));
        }
      }
    }
    return out;
  }
}

function viewOf(t: NotificationTemplate, source: 'saved' | 'default', variables: string[]): TemplateView {
  const p = t.toProps();
  return { eventType: p.eventType, channel: p.channel, locale: p.locale, title: p.title, body: p.body, source, variables, updatedAt: source === 'saved' ? p.updatedAt.toISOString() : null, updatedBy: p.updatedBy };
}
