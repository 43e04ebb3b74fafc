import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderEventsDoc } from '../../scripts/events-doc.js';
import { EVENTS } from '../../domain/platform/events.js';
import { EVENT_TYPE } from '../../domain/shared/events.js';
import { CONSUMERS } from '../../workers/queues.js';

const committed = readFileSync(path.resolve(__dirname, '../../docs/events.md'), 'utf8');

describe('docs/events.md and the event catalog', () => {
  it('when an event schema or a consumer changes, then the committed document must be regenerated (npx tsx scripts/events-doc.ts)', () => {
    expect(committed === renderEventsDoc(), 'docs/events.md is stale: run `npx tsx scripts/events-doc.ts`').to.equal(true);
  });

  it('when the document is read, then every event type has its section with its version and consumers', () => {
    for (const def of EVENTS.definitions()) {
      expect(committed).to.contain(`### \`${def.type}\` (version ${def.version})`);
    }
    expect(committed).to.match(/`delivery\.status\.changed`[\s\S]*consumed by: `audit`[\s\S]*socket hubs/);
  });

  it('when an event type is named, then it reads <context>.<noun>.<past-tense verb> and every consumed type exists', () => {
    for (const t of EVENTS.types) expect(t).to.match(EVENT_TYPE);
    for (const c of Object.values(CONSUMERS)) for (const t of c.events) expect(EVENTS.types).to.include(t);
  });
});
