import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { renderAsyncApi } from '../../server/asyncapi.js';
import { ACK_CODES, PROTOCOL } from '../../server/protocol.js';

const root = path.resolve(__dirname, '../..');
const committed = readFileSync(path.join(root, 'docs/asyncapi.yaml'), 'utf8');
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const strip = (s: unknown) => {
  const { $schema: _x, ...rest } = s as Record<string, unknown>;
  return rest;
};

describe('docs/asyncapi.yaml', () => {
  const doc = parse(committed);

  it('when the protocol schemas change, then the committed document must be regenerated (npm run docs:asyncapi)', () => {
    expect(committed === renderAsyncApi(version), 'docs/asyncapi.yaml is stale: run `npm run docs:asyncapi`').to.equal(true);
  });

  it('when read as YAML, then it is an AsyncAPI 3 document with one channel per namespace', () => {
    expect(doc.asyncapi).to.equal('3.0.0');
    expect(Object.values(doc.channels).map((c: any) => c.address)).to.deep.equal(['/courier', '/customer', '/ops']);
  });

  it('when compared with the zod schemas, then every event, payload and ack of every namespace is documented as it is validated', () => {
    let checked = 0;
    for (const [nsp, spec] of Object.entries(PROTOCOL)) {
      const ch = nsp.slice(1);
      for (const [event, e] of Object.entries(spec.receives)) {
        const id = `${ch}.${event.replace(/:/g, '.')}`;
        expect(doc.operations[id], id).to.include({ action: 'receive' });
        expect(doc.operations[id]['x-budget'], `${id} budget`).to.deep.equal(e.budget);
        expect(doc.components.messages[id].name).to.equal(event);
        expect(doc.components.messages[id].payload, id).to.deep.equal(strip(z.toJSONSchema(e.payload, { target: 'draft-7', io: 'input', unrepresentable: 'any' })));
        expect(doc.components.messages[`${id}.ack`].payload, `${id} ack`).to.deep.equal(strip(z.toJSONSchema(e.ack, { target: 'draft-7', io: 'output', unrepresentable: 'any' })));
        checked++;
      }
      for (const [event, e] of Object.entries(spec.sends)) {
        const id = `${ch}.${event.replace(/:/g, '.')}`;
        expect(doc.operations[id], id).to.include({ action: 'send' });
        expect(doc.components.messages[id].payload, id).to.deep.equal(strip(z.toJSONSchema(e.payload, { target: 'draft-7', io: 'output', unrepresentable: 'any' })));
        checked++;
      }
    }
    expect(checked).to.equal(Object.keys(doc.operations).length);
    for (const code of ACK_CODES) expect(doc.info.description).to.include(code);
  });
});
