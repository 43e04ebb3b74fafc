import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { LocalDiskDocumentStorage } from '../../../infra/storage/local-disk.js';
import { HttpSmsSender } from '../../../infra/providers/sms-http.js';
import { DevSmsSender, lastDevSmsCode } from '../../../infra/providers/sms-dev.js';
import { Argon2PasswordHasher } from '../../../infra/passwords.js';
import { isAppError } from '../../../domain/shared/errors.js';

const silent = pino({ level: 'silent' });
const PDF = Buffer.from('%PDF-1.7\n%âãÏÓ\n');

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return isAppError(err) ? err.code : (err as Error).message;
  }
}

describe('identity adapters', () => {
  describe('LocalDiskDocumentStorage', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'daraa-docs-'));
    const storage = new LocalDiskDocumentStorage(path.join(root, 'docs'), 1024);

    it('when a valid PDF is stored, then it gets a server-made name under the account and reads back', async () => {
      const r = await storage.put('acc-1', PDF, 'application/pdf');
      expect(r.key).to.match(/^acc-1\/[0-9a-f-]{36}\.pdf$/);
      expect(r.sizeBytes).to.equal(PDF.length);
      expect((await storage.get(r.key)).equals(PDF)).to.equal(true);
      expect(readdirSync(path.join(root, 'docs', 'acc-1'))).to.have.length(1);
    });

    it('when keys try to escape the root, then they are refused as not found', async () => {
      for (const key of ['../secret.pdf', 'acc-1/../../etc/passwd', '/etc/passwd', 'acc-1/..%2f..%2fx.pdf', 'acc-1\\..\\x.pdf', '..', 'acc-1/x.exe']) {
        expect(await codeOf(storage.get(key)), key).to.equal('NOT_FOUND');
      }
      expect(await codeOf(storage.put('../../evil', PDF, 'application/pdf'))).to.equal('VALIDATION_ERROR');
      expect(existsSync(path.join(root, 'evil'))).to.equal(false);
    });

    it('when the type, the content or the size is wrong, then it is refused', async () => {
      expect(await codeOf(storage.put('acc-1', Buffer.from('GIF89a'), 'image/gif'))).to.equal('VALIDATION_ERROR');
      expect(await codeOf(storage.put('acc-1', Buffer.from('MZ\x90\x00'), 'application/pdf'))).to.equal('VALIDATION_ERROR');
      expect(await codeOf(storage.put('acc-1', Buffer.concat([PDF, Buffer.alloc(2048)]), 'application/pdf'))).to.equal('PAYLOAD_TOO_LARGE');
      expect(await codeOf(storage.put('acc-1', Buffer.alloc(0), 'application/pdf'))).to.equal('VALIDATION_ERROR');
    });
  });

  describe('HttpSmsSender against a local Twilio-style stub', () => {
    let server: http.Server;
    let url: string;
    let status = 201;
    const received: { auth?: string | undefined; type?: string | undefined; form: URLSearchParams }[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          received.push({ auth: req.headers.authorization, type: req.headers['content-type'], form: new URLSearchParams(body) });
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: 'SM1', status: 'queued' }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2010-04-01/Accounts/AC1/Messages.json`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('when a message is sent, then it posts To, From and Body form-encoded with Basic auth', async () => {
      await new HttpSmsSender({ url, token: 'AC1:secret', from: '+15005550006' }, silent).send('+14155550100', 'Your code is 123456');
      const last = received.at(-1)!;
      expect(last.auth).to.equal(`Basic ${Buffer.from('AC1:secret').toString('base64')}`);
      expect(last.type).to.equal('application/x-www-form-urlencoded');
      expect(Object.fromEntries(last.form)).to.deep.equal({ To: '+14155550100', From: '+15005550006', Body: 'Your code is 123456' });
    });

    it('when the provider refuses or is unreachable, then SERVICE_UNAVAILABLE', async () => {
      status = 400;
      expect(await codeOf(new HttpSmsSender({ url, token: 'AC1:secret', from: '+1' }, silent).send('+14155550100', 'x'))).to.equal('SERVICE_UNAVAILABLE');
      status = 201;
      expect(await codeOf(new HttpSmsSender({ url: 'http://127.0.0.1:1/x', token: 'a:b', from: '+1' }, silent).send('+14155550100', 'x'))).to.equal('SERVICE_UNAVAILABLE');
    });
  });

  it('when the dev sender sends, then the outbox keeps the message and yields its code', async () => {
    const dev = new DevSmsSender(silent);
    await dev.send('+14155550100', 'Your Daraa verification code is 042917. It expires in 5 minutes.');
    await dev.send('+14155550101', 'other');
    expect(dev.to('+14155550100')).to.have.length(1);
    expect(dev.lastCode('+14155550100')).to.equal('042917');
    expect(dev.lastCode('+14155550101')).to.equal(null);
  });

  it('when the dev sender is given a file, then every message is appended to it and another process reads the newest code from it', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'daraa-sms-')), 'dev-sms.log');
    expect(lastDevSmsCode(file, '+14155550100')).to.equal(null);
    const dev = new DevSmsSender(silent, 1_000, file);
    await dev.send('+14155550100', 'Your Daraa verification code is 042917.');
    await dev.send('+14155550101', 'Your Daraa verification code is 555111.');
    await dev.send('+14155550100', 'Your Daraa verification code is 731206.');
    expect(lastDevSmsCode(file, '+14155550100')).to.equal('731206');
    expect(lastDevSmsCode(file, '+14155550101')).to.equal('555111');
    expect(lastDevSmsCode(file, '+14155550199')).to.equal(null);
  });

  it('when a password is hashed, then it is argon2id and only the same password verifies', async () => {
    const h = new Argon2PasswordHasher();
    const hash = await h.hash('Str0ng!pass');
    expect(hash).to.match(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await h.verify(hash, 'Str0ng!pass')).to.equal(true);
    expect(await h.verify(hash, 'Str0ng!pasS')).to.equal(false);
    expect(await h.verify('not-a-hash', 'Str0ng!pass')).to.equal(false);
  });
});
