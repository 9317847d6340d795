// Access rules for the firewall helpers' unit tests.
import type { AccessRule, AccessRuleSpec } from '../../../src/firewall/model.js';
import { parseInterface, parsePort, parseSource } from '../../../src/firewall/model.js';

/** A spec from CLI-like words: spec('allow', '10.200.0.2', { port: '8080', iface: 'eth0' }). */
export function spec(action: 'allow' | 'deny', source: string, opts: { port?: string; iface?: string } = {}): AccessRuleSpec {
  return {
    action,
    source: parseSource(source),
    port: opts.port === undefined ? null : parsePort(opts.port),
    inInterface: opts.iface === undefined ? null : parseInterface(opts.iface),
  };
}

export function rule(id: string, s: AccessRuleSpec): AccessRule {
  return { id, created: '2026-01-01T00:00:00.000Z', ...s };
}
