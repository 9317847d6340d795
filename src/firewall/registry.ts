// Which firewall-helper service belongs to which engine, so the API's routes find
// it from their context without the Engine interface knowing about it.
import type { Engine } from '../engine/types.js';
import { unavailable } from '../model/errors.js';
import type { AccessFirewall } from './service.js';

const services = new WeakMap<Engine, AccessFirewall>();

export function registerAccessFirewall(engine: Engine, service: AccessFirewall): void {
  services.set(engine, service);
}

export function accessFirewallOf(engine: Engine): AccessFirewall {
  const service = services.get(engine);
  if (!service) throw unavailable('berth firewall is not running in this daemon');
  return service;
}
