import { z, text } from '../zod.js';
import { MAX_MINIMUM_ORDER_MINOR, MAX_PREP_MINUTES, STORE_STATUSES, type StoreView } from '../../domain/catalog/model.js';
import { MAX_DATE_CLOSURES, MAX_PERIODS, WEEKDAYS } from '../../domain/catalog/opening-hours.js';
import { STORE_DOCUMENT_KINDS, STORE_VERIFICATION_STATUSES } from '../../domain/catalog/store-verification.js';
import type { PublicStoreView } from '../../domain/catalog/use-cases/public-store-queries.js';
import { imageSizes, imageSizesSchema } from './image-files.js';
import { EXAMPLE_ID, exampleImageSizes } from './example-ids.js';

/**
 * Store request and response schemas. Formats are checked loosely here and
 * precisely in the domain (opening-hours.ts), whose errors name a `reason`
 * (invalid_time_zone, overlapping_hours, …) a client can branch on.
 */
export const point = z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).openapi('Point', { example: { lat: 33.5138, lng: 36.2765 } });
export const phone = z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number like +14155550100').openapi({ example: '+963944123456' });

const period = z.strictObject({ day: z.enum(WEEKDAYS), opens: z.string().max(5), closes: z.string().max(5) });
export const temporaryClosure = z
  .strictObject({ until: z.iso.datetime({ offset: true }), reason: text(200) })
  .openapi('TemporaryClosure', { example: { until: '2026-03-01T06:00:00Z', reason: 'Renovation' } });
export const hours = z
  .strictObject({
    timeZone: z.string().min(1).max(64),
    weekly: z.array(period).max(MAX_PERIODS).optional(),
    closures: z.array(z.strictObject({ date: z.string().max(10), reason: text(200).nullable().optional() })).max(MAX_DATE_CLOSURES).optional(),
    temporaryClosure: temporaryClosure.nullable().optional(),
  })
  .openapi('OpeningHours', {
    description: 'Weekly periods on the store\'s wall clock (an IANA time zone). A period whose `closes` is at or before `opens` runs past midnight; `24:00` closes at midnight.',
    example: { timeZone: 'Asia/Damascus', weekly: [{ day: 'fri', opens: '12:00', closes: '02:00' }, { day: 'sat', opens: '09:00', closes: '23:00' }], closures: [{ date: '2026-03-20', reason: 'Eid al-Fitr' }] },
  });
const hoursOut = z.object({
  timeZone: z.string(),
  weekly: z.array(z.object({ day: z.enum(WEEKDAYS), opens: z.string(), closes: z.string() })),
  closures: z.array(z.object({ date: z.string(), reason: z.string().nullable() })),
  temporaryClosure: z.object({ until: z.string(), reason: z.string() }).nullable(),
});
const minimumOrder = z.number().int('must be a whole number of minor units').min(0, 'must not be negative').max(MAX_MINIMUM_ORDER_MINOR).openapi({ example: 2500 });
const prepMinutes = z.number().int('must be whole minutes').min(1, 'must be at least 1').max(MAX_PREP_MINUTES).nullable()
  .openapi({ description: 'Minutes to have an order ready (the first leg of the ETA); null: the marketplace default (setting store.prepDefaultMinutes)', example: 20 });
const cuisine = text(60).nullable();
const rating = z.object({ average: z.number().nullable(), count: z.number().int() });
const logo = z.object({ sizes: imageSizesSchema }).nullable();

export const storeDocumentSchema = z.object({ id: z.string(), kind: z.enum(STORE_DOCUMENT_KINDS), contentType: z.string(), sizeBytes: z.number().int(), sha256: z.string(), uploadedAt: z.string() }).openapi('StoreDocument', {
  example: { id: EXAMPLE_ID.storeDocument, kind: 'business_license', contentType: 'application/pdf', sizeBytes: 312704, sha256: '9f2c4e7a1b8d3f6025c9e4a7b1d8f3e6c2a5b9d4e7f1a3c6b8d2e5f9a4c7b1e3', uploadedAt: '2026-01-05T11:20:00.000Z' },
});

export const storeSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    address: z.string(),
    location: z.object({ lat: z.number(), lng: z.number() }),
    pickupInstructions: z.string().nullable(),
    status: z.enum(STORE_STATUSES),
    cuisine: z.string().nullable(),
    logo,
    hours: hoursOut.nullable(),
    minimumOrder: z.number().int(),
    prepMinutes: z.number().int().nullable(),
    rating,
    verification: z.object({
      status: z.enum(STORE_VERIFICATION_STATUSES),
      submittedAt: z.string().nullable(),
      reason: z.string().nullable(),
      decidedBy: z.string().nullable(),
      decidedAt: z.string().nullable(),
      documents: z.array(storeDocumentSchema),
    }),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Store', {
    example: {
      id: EXAMPLE_ID.store, ownerId: EXAMPLE_ID.storeOwner, name: 'مخبز الشام · Al-Sham Bakery', phone: '+963944123456', address: '12 Straight Street, Bab Touma, Damascus',
      location: { lat: 33.5112, lng: 36.3132 }, pickupInstructions: 'Side door on the alley, ring twice', status: 'open', cuisine: 'bakery',
      logo: { sizes: exampleImageSizes(`/api/v1/store-logos/${EXAMPLE_ID.store}`) },
      hours: { timeZone: 'Asia/Damascus', weekly: [{ day: 'sat', opens: '07:00', closes: '22:00' }], closures: [{ date: '2026-03-20', reason: 'Eid al-Fitr' }], temporaryClosure: null },
      minimumOrder: 2500, prepMinutes: 20, rating: { average: null, count: 0 },
      verification: {
        status: 'approved', submittedAt: '2026-01-05T11:20:00.000Z', reason: null, decidedBy: EXAMPLE_ID.admin, decidedAt: '2026-01-06T09:00:00.000Z',
        documents: [{ id: EXAMPLE_ID.storeDocument, kind: 'business_license', contentType: 'application/pdf', sizeBytes: 312704, sha256: '9f2c4e7a1b8d3f6025c9e4a7b1d8f3e6c2a5b9d4e7f1a3c6b8d2e5f9a4c7b1e3', uploadedAt: '2026-01-05T11:20:00.000Z' }],
      },
      version: 6, createdAt: '2026-01-05T11:02:31.000Z', updatedAt: '2026-01-06T09:00:00.000Z',
    },
  });

export const publicStoreSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    cuisine: z.string().nullable(),
    phone: z.string().nullable(),
    address: z.string(),
    location: z.object({ lat: z.number(), lng: z.number() }),
    logo,
    hours: hoursOut.nullable(),
    openNow: z.boolean(),
    nextOpeningAt: z.string().nullable().openapi({ description: 'When closed: the next opening; null when open or when nothing is scheduled' }),
    minimumOrder: z.number().int().openapi({ description: 'Integer minor units of the marketplace currency' }),
    rating,
  })
  .openapi('PublicStore', {
    example: {
      id: '0f8e2c1a-5b7d-4e3f-9a21-6c4d8b2e7f10', name: 'مخبز الشام · Al-Sham Bakery', cuisine: 'bakery', phone: '+963944123456', address: '12 Straight Street, Bab Touma, Damascus',
      location: { lat: 33.5112, lng: 36.3132 }, logo: null, hours: { timeZone: 'Asia/Damascus', weekly: [{ day: 'sat', opens: '07:00', closes: '22:00' }], closures: [], temporaryClosure: null },
      openNow: false, nextOpeningAt: '2026-01-10T04:00:00.000Z', minimumOrder: 2500, rating: { average: null, count: 0 },
    },
  });

export const createStoreBody = z
  .strictObject({
    name: text(200), phone: phone.optional(), address: text(500), location: point, status: z.enum(STORE_STATUSES).optional(),
    pickupInstructions: text(500).nullable().optional(), cuisine: cuisine.optional(), hours: hours.nullable().optional(), minimumOrder: minimumOrder.optional(),
    prepMinutes: prepMinutes.optional(),
  })
  .openapi({ example: { name: 'مخبز الشام · Al-Sham Bakery', phone: '+963944123456', address: '12 Straight Street, Bab Touma, Damascus', location: { lat: 33.5112, lng: 36.3132 }, cuisine: 'bakery', minimumOrder: 2500, prepMinutes: 20, hours: { timeZone: 'Asia/Damascus', weekly: [{ day: 'sat', opens: '07:00', closes: '22:00' }] } } });

/** Strict: rating, verification, owner, ids and versions are not fields of a patch (VALIDATION_ERROR names them). */
export const patchStoreBody = z
  .strictObject({
    name: text(200).optional(), phone: phone.nullable().optional(), address: text(500).optional(), location: point.optional(), status: z.enum(STORE_STATUSES).optional(),
    pickupInstructions: text(500).nullable().optional(), cuisine: cuisine.optional(), hours: hours.nullable().optional(), temporaryClosure: temporaryClosure.nullable().optional(), minimumOrder: minimumOrder.optional(),
    prepMinutes: prepMinutes.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required' })
  .openapi({ example: { temporaryClosure: { until: '2026-03-01T06:00:00Z', reason: 'Renovation' }, minimumOrder: 3000 } });

export const storeLogoBase = (storeId: string) => `/api/v1/store-logos/${storeId}`;

/** The owner's view, logo files as URLs. */
export const presentStore = (s: StoreView) => ({ ...s, logo: s.logo ? { sizes: imageSizes(storeLogoBase(s.id), s.logo.files) } : null });
export const presentPublicStore = (s: PublicStoreView) => ({ ...s, logo: s.logo ? { sizes: imageSizes(storeLogoBase(s.id), s.logo.files) } : null });
