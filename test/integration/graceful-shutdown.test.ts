import { expect } from 'chai';
import http from 'node:http';
import { startTestApp } from '../helpers/app.js';

describe('graceful shutdown', function () {
  this.timeout(30_000);

  it('when stop begins while a request body is still arriving, then that request completes and new connections are refused', async () => {
    const app = await startTestApp();
    const body = JSON.stringify({ phone: '+963944000111', password: 'Str0ng!Passw0rd', role: 'customer' });
    const half = Math.floor(body.length / 2);
    const { port } = new URL(app.url);
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/auth/register', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, half));
      setTimeout(() => req.end(body.slice(half)), 400);
    });
    await new Promise((r) => setTimeout(r, 100)); // the request is in flight
    const stopped = app.stop();
    await new Promise((r) => setTimeout(r, 100));
    const refused = await fetch(`${app.url}/health`).then(() => false, () => true);
    const res = await response;
    const t0 = Date.now();
    await stopped;
    expect(Date.now() - t0, 'stop waited for an idle keep-alive socket').to.be.lessThan(2_000);
    expect(refused, 'a new connection was accepted during shutdown').to.equal(true);
    expect(res.status).to.equal(202);
    expect(JSON.parse(res.text).success).to.equal(true);
  });
});
