// The firewall-helper service of each engine, for the API's routes.
import { serviceRegistry } from '../engine/service-registry.js';
import type { AccessFirewall } from './service.js';

const registry = serviceRegistry<AccessFirewall>('berth firewall is not running in this daemon');
export const registerAccessFirewall = registry.register;
export const accessFirewallOf = registry.of;
