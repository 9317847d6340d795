// Which of berthd's services belongs to which engine, so the API's routes find
// one from their context without the Engine interface knowing about it.
import type { Engine } from './types.js';
import { unavailable } from '../model/errors.js';

export interface ServiceRegistry<T> {
  register(engine: Engine, service: T): void;
  /** The engine's service; `unavailable` when berthd runs without it. */
  of(engine: Engine): T;
}

/** `missing` is the error message when an engine has no such service. */
export function serviceRegistry<T>(missing: string): ServiceRegistry<T> {
  const services = new WeakMap<Engine, T>();
  return {
    register: (engine, service) => void services.set(engine, service),
    of(engine) {
      const service = services.get(engine);
      if (service === undefined) throw unavailable(missing);
      return service;
    },
  };
}
