/**
 * Ids the OpenAPI examples share, so the examples tell one story (Rana, a
 * courier, carries an order of Al-Sham Bakery in Bab Touma to a customer in
 * Damascus) and an id read in one answer is the one the next example uses.
 * Ids are UUIDs because that is what the API hands out (domain/shared/ids.ts).
 * Only schemas' `.openapi({ example })` read these.
 */
export const EXAMPLE_ID = {
  /** The customer of the Address example. */
  customer: '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d',
  storeOwner: '44000327-9d07-4ec8-b434-c69fc5b85074',
  courier: 'c60dd28b-9be1-4e0f-b512-7f9f8db3d1b9',
  admin: '1a67b905-c86c-4685-a67f-b9d520b98ab3',
  /** The store of the PublicStore example. */
  store: '0f8e2c1a-5b7d-4e3f-9a21-6c4d8b2e7f10',
  storeDocument: 'ca27141a-7335-4679-a6d4-ff8d795e714a',
  accountDocument: 'fac3d3a5-f25a-4010-9f39-c190953aeb8c',
  session: '86e863d5-7515-44be-9e80-4e2b8b093643',
  order: 'ba4c894c-9d9d-4906-a8b8-ab868c2363f9',
  delivery: 'c520e005-16e9-4d7e-a0ab-a0e46eb7cc4a',
  category: 'b461d4e4-ba17-4dc9-bf6a-53c3f900f0fb',
  product: 'ff4d4178-47c2-40a4-90e7-6b1777296ad9',
  variant: 'af5b1173-4c2d-40c8-b7f2-200cf52182a8',
  secondVariant: 'e7d2c9a4-1f3b-4e6a-8c5d-2b9f0a7e4c31',
  productImage: '50b3b5f9-31d4-4522-8a90-6e72b5fe7066',
  movement: 'd57b0b02-9614-4afa-b63d-21f8554ff622',
  auditEntry: '6cae7104-edb2-429b-beee-1158a15ac70b',
  request: '63934758-95d7-4fae-97d3-eeb46eea6b78',
} as const;

/** Resized pictures (thumb, medium and large) of a 1200×900 photo, as `imageSizes` names them under `base`. */
export const exampleImageSizes = (base: string) => ({
  thumb: { url: `${base}/thumb-3598ce6f965b2481.jpg`, width: 160, height: 120 },
  medium: { url: `${base}/medium-b29814cf5792e684.jpg`, width: 480, height: 360 },
  large: { url: `${base}/large-6987740fb624e3e9.jpg`, width: 1200, height: 900 },
});
