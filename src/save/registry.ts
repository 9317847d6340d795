// Which save/restore service belongs to which engine, so the API's routes find it
// from their context without the Engine interface knowing about it.
import type { Engine } from '../engine/types.js';
import { unavailable } from '../model/errors.js';
import type { SaveRestore } from './service.js';

const services = new WeakMap<Engine, SaveRestore>();

export function registerSaveRestore(engine: Engine, service: SaveRestore): void {
  services.set(engine, service);
}

export function saveRestoreOf(engine: Engine): SaveRestore {
  const service = services.get(engine);
  if (!service) throw unavailable('berth save and restore are not available in this daemon');
  return service;
}
