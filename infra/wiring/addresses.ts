import { asFunction, type AwilixContainer } from 'awilix';
import type { RouteSpec } from '../../api/route-kit.js';
import { addressRoutes, type AddressRouteDeps } from '../../api/routes/addresses.js';
import type { AddressRepository, Geocoder, StoreCoverage } from '../../domain/catalog/ports.js';
import type { UnitOfWork } from '../../domain/shared/events.js';
import type { Clock, IdGenerator } from '../../domain/shared/ids.js';
import { AddAddress } from '../../domain/catalog/use-cases/add-address.js';
import { UpdateAddress } from '../../domain/catalog/use-cases/update-address.js';
import { SetDefaultAddress } from '../../domain/catalog/use-cases/set-default-address.js';
import { DeleteAddress } from '../../domain/catalog/use-cases/delete-address.js';
import { AddressQueries } from '../../domain/catalog/use-cases/address-queries.js';
import type { AddressBookDeps } from '../../domain/catalog/use-cases/address-support.js';
import { GoogleGeocoder } from '../providers/google-geocoding.js';
import type { Config } from '../config.js';
import type { Repositories } from '../db/index.js';

/** The address book: repository, geocoder and use cases (the routes'). */
export interface AddressesCradle extends AddressRouteDeps {
  addresses: AddressRepository;
  /** Google Geocoding when GOOGLE_MAPS_API_KEY is set; otherwise null and clients send the point. */
  geocoder: Geocoder | null;
}

/** What this module takes from the rest of the container (typed here: importing Cradle would be a cycle). */
interface Needs {
  config: Config;
  repositories: Repositories;
  unitOfWork: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
  /** Registered by the store zones when they are part of the build; the address book works without them. */
  storeCoverage?: StoreCoverage;
}

export function registerAddresses(container: AwilixContainer<AddressesCradle & Needs>): void {
  // The coverage is looked up when first needed, not at registration, so the order of the register calls does not matter.
  const book = (c: AddressesCradle & Needs): AddressBookDeps => ({
    addresses: c.addresses,
    geocoder: c.geocoder,
    storeCoverage: container.hasRegistration('storeCoverage') ? (c.storeCoverage ?? null) : null,
  });
  container.register({
    addresses: asFunction(({ repositories }: Needs) => repositories.addresses).singleton(),
    geocoder: asFunction(({ config }: Needs) =>
      config.GOOGLE_MAPS_API_KEY
        ? new GoogleGeocoder({
            apiKey: config.GOOGLE_MAPS_API_KEY,
            ...(config.GOOGLE_GEOCODING_URL ? { url: config.GOOGLE_GEOCODING_URL } : {}),
            ...(config.GEOCODING_REGION ? { region: config.GEOCODING_REGION } : {}),
            ...(config.GEOCODING_LANGUAGE ? { language: config.GEOCODING_LANGUAGE } : {}),
          })
        : null,
    ).singleton(),
    addAddress: asFunction((c: AddressesCradle & Needs) => new AddAddress({ ...book(c), unitOfWork: c.unitOfWork, clock: c.clock, ids: c.ids, addressSettings: { maxPerCustomer: c.config.ADDRESS_MAX_PER_CUSTOMER } })).singleton(),
    updateAddress: asFunction((c: AddressesCradle & Needs) => new UpdateAddress({ ...book(c), clock: c.clock })).singleton(),
    setDefaultAddress: asFunction((c: AddressesCradle & Needs) => new SetDefaultAddress(book(c))).singleton(),
    deleteAddress: asFunction((c: AddressesCradle & Needs) => new DeleteAddress({ ...book(c), unitOfWork: c.unitOfWork, clock: c.clock })).singleton(),
    addressQueries: asFunction((c: AddressesCradle & Needs) => new AddressQueries(book(c))).singleton(),
  });
}

export function addressRoutesOf(c: AddressesCradle): RouteSpec[] {
  return addressRoutes(c);
}
