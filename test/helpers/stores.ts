import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { http, type TestApp } from './app.js';
import type { Cradle } from '../../infra/container.js';

const cradle = (app: TestApp) => app.system.composed.container.cradle as Cradle;

/**
 * Approves a store as a verifier would (a document, then approve), through the
 * domain model and the app's own repository: the test's way to make a store
 * listed without driving the whole verification flow over HTTP.
 */
export async function approveStore(app: TestApp, storeId: string): Promise<void> {
  const stores = cradle(app).stores;
  const s = (await stores.findById(storeId))!;
  const v = s.version;
  const now = new Date();
  s.addDocument({ id: randomUUID(), kind: 'business_license', contentType: 'application/pdf', sizeBytes: 1000, sha256: 'ab'.repeat(32), storageKey: `docs/${storeId}`, uploadedAt: now.toISOString() }, now);
  s.decideVerification('approve', 'licence checked', 'admin-test', now);
  expect(await stores.save(s, v)).to.equal(true);
}

/** Opens a store for `ownerToken` at `location` (approved unless told otherwise) and answers its id. */
export async function openStore(app: TestApp, ownerToken: string, location: { lat: number; lng: number }, opts: { name?: string; approved?: boolean } = {}): Promise<string> {
  const r = await http(`${app.url}/api/v1/stores`, { method: 'POST', token: ownerToken, json: { name: opts.name ?? `Shop ${randomUUID().slice(0, 6)}`, address: '1 Straight St', location } });
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  if (opts.approved !== false) await approveStore(app, r.body.data.id);
  return r.body.data.id as string;
}

/** Gives a store a radius zone over HTTP (as its owner). */
export async function giveZone(app: TestApp, ownerToken: string, storeId: string, center: { lat: number; lng: number }, radiusM: number): Promise<void> {
  const r = await http(`${app.url}/api/v1/stores/${storeId}/zone`, { method: 'PUT', token: ownerToken, json: { kind: 'radius', center, radiusM } });
  expect(r.status, JSON.stringify(r.body)).to.equal(200);
}
