import type { AwilixContainer } from 'awilix';
import type { Cradle } from '../container.js';

/** The real-time hub: courier index, presence and namespaces. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RealtimeCradle {}

export function registerRealtime(_container: AwilixContainer<Cradle>): void {}
