// The save/restore service of each engine, for the API's routes.
import { serviceRegistry } from '../engine/service-registry.js';
import type { SaveRestore } from './service.js';

const registry = serviceRegistry<SaveRestore>('berth save and restore are not available in this daemon');
export const registerSaveRestore = registry.register;
export const saveRestoreOf = registry.of;
