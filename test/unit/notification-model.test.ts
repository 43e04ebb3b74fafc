import { expect } from 'chai';
import { NotificationPreferences, NotificationTemplate, localeFallback, placeholdersOf, type Channel } from '../../domain/notification/model.js';
import { TRIGGERS, templateVariables } from '../../domain/notification/triggers.js';
import { isAppError } from '../../domain/shared/errors.js';

const T = new Date('2030-01-01T00:00:00.000Z');

describe('notification model', () => {
  const confirmed = 'ordering.order.confirmed';
  const save = (body: string, channel: Channel = 'push', title: string | null = 'Hi') =>
    NotificationTemplate.create({ eventType: confirmed, channel, locale: 'en', title, body, updatedAt: T, updatedBy: 'admin-1' }, templateVariables(confirmed)!);

  it('when a template names only fields of its event, then it is saved and renders them, nested ones included', () => {
    const t = save('Order {{orderNumber}} by {{ actor.role }}: {{reason}}');
    expect(t.render({ orderNumber: 'A-17', actor: { role: 'store_owner' }, reason: null })).to.deep.equal({ title: 'Hi', body: 'Order A-17 by store_owner: ' });
  });

  it('when a template names a variable the event does not carry, then saving it is refused with TEMPLATE_VARIABLE_UNKNOWN naming it', () => {
    let caught: unknown;
    try {
      save('Order {{orderNumbr}} {{customerName}}');
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught) && caught.code).to.equal('TEMPLATE_VARIABLE_UNKNOWN');
    const details = (caught as { details: { variable: string; allowed: string[] }[] }).details;
    expect(details.map((d) => d.variable)).to.deep.equal(['orderNumbr', 'customerName']);
    expect(details[0]!.allowed).to.include('orderNumber');
  });

  it('when an SMS template comes with a title, then the title is dropped; a push template without one is refused', () => {
    expect(save('Order {{orderNumber}}', 'sms', 'ignored').toProps().title).to.equal(null);
    expect(() => save('x', 'push', null)).to.throw(/title is required/);
  });

  it('when every trigger default is checked against its event schema, then none uses an unknown variable', () => {
    for (const t of TRIGGERS) {
      for (const locale of ['ar', 'en'] as const) {
        for (const channel of t.channels) {
          const d = t.defaults[locale];
          expect(() => NotificationTemplate.create({ eventType: t.event.type, channel, locale, title: d.title, body: d.body, updatedAt: T, updatedBy: null }, templateVariables(t.event.type)!), `${t.event.type} ${channel} ${locale}`).not.to.throw();
        }
      }
    }
    expect(placeholdersOf('{{a}} {{ b.c }} {{a}}')).to.deep.equal(['a', 'b.c']);
  });

  it('when the locale is English, then English comes first and Arabic is the fallback', () => {
    expect(localeFallback('en')).to.deep.equal(['en', 'ar']);
    expect(localeFallback('ar')).to.deep.equal(['ar', 'en']);
  });

  describe('quiet hours', () => {
    const prefs = (start: string, end: string, timeZone = 'Asia/Damascus') =>
      NotificationPreferences.create({ accountId: 'a', locale: 'ar', timeZone, quietHours: { start, end }, muted: {}, updatedAt: T });

    it('when the window crosses midnight and it is 23:30 local, then the wait is until 07:00 local', () => {
      // Damascus is UTC+3 all year: 20:30Z is 23:30 local.
      expect(prefs('22:00', '07:00').quietFor(new Date('2030-06-01T20:30:00Z'))).to.equal(7.5 * 3_600_000);
    });

    it('when it is outside the window in the account time zone, then nothing waits, whatever the UTC hour', () => {
      expect(prefs('22:00', '07:00').quietFor(new Date('2030-06-01T12:00:00Z'))).to.equal(0);
      // 23:30 UTC is 08:30 in Tokyo: outside a 22–07 window there, inside one read in UTC.
      expect(prefs('22:00', '07:00', 'Asia/Tokyo').quietFor(new Date('2030-06-01T23:30:00Z'))).to.equal(0);
      expect(prefs('22:00', '07:00', 'UTC').quietFor(new Date('2030-06-01T23:30:00Z'))).to.equal(7.5 * 3_600_000);
    });

    it('when a same-day window holds the time, then it waits; bad zones and equal ends are refused', () => {
      expect(prefs('13:00', '14:00', 'UTC').quietFor(new Date('2030-06-01T13:59:30Z'))).to.equal(30_000);
      expect(() => prefs('22:00', '07:00', 'Mars/Olympus')).to.throw(/time zone/);
      expect(() => prefs('22:00', '22:00')).to.throw(/quiet hours/);
    });

    it('when a category mutes a channel, then only that pair is refused', () => {
      const p = NotificationPreferences.create({ accountId: 'a', locale: 'ar', timeZone: 'UTC', quietHours: null, muted: { orders: ['sms'] }, updatedAt: T });
      expect(p.allows('orders', 'sms')).to.equal(false);
      expect(p.allows('orders', 'push')).to.equal(true);
      expect(p.allows('stock', 'sms')).to.equal(true);
    });
  });
});
