// /berth/firewall: berth's helpers for the user's access rules in DOCKER-USER.
//   GET    /berth/firewall        the rules, oldest first
//   POST   /berth/firewall        {Action, Source, Port?, InInterface?, DryRun?} -> the change (201; 200 for a dry run)
//   DELETE /berth/firewall/{id}   id or unique prefix -> the change
import { accessFirewallOf } from '../../firewall/registry.js';
import { parseAction, parseInterface, parsePort, parseSource, formatPort, formatSource, type AccessRule, type AccessRuleSpec } from '../../firewall/model.js';
import { describeRule } from '../../firewall/describe.js';
import { accessRuleSpec, ACCESS_CHAIN } from '../../firewall/render.js';
import type { AccessChange } from '../../firewall/service.js';
import { invalid } from '../../model/errors.js';
import { ruleLine } from '../../render/iptables/save-print.js';
import { Fields, json, type Route } from '../http.js';

export interface FirewallRuleJson {
  readonly Id: string;
  readonly Action: 'allow' | 'deny';
  readonly Source: string;
  readonly Port: string; // '' = every port, else PORT/PROTO
  readonly InInterface: string; // '' = any
  readonly Created: string;
  readonly Description: string;
  /** The rule's line in berth's chain, as iptables-save prints it. */
  readonly Iptables: string;
}

export interface FirewallChangeJson {
  readonly Rule: FirewallRuleJson;
  readonly Written: boolean;
  readonly Added: readonly string[];
  readonly Removed: readonly string[];
  readonly Warnings: readonly string[];
}

export function ruleJson(r: AccessRule): FirewallRuleJson {
  return {
    Id: r.id,
    Action: r.action,
    Source: formatSource(r.source),
    Port: r.port ? formatPort(r.port) : '',
    InInterface: r.inInterface ?? '',
    Created: r.created,
    Description: describeRule(r),
    Iptables: ruleLine('-A', ACCESS_CHAIN, accessRuleSpec(r)),
  };
}

function changeJson(c: AccessChange): FirewallChangeJson {
  return { Rule: ruleJson(c.rule), Written: c.written, Added: c.added, Removed: c.removed, Warnings: c.warnings };
}

/** The POST body → a rule spec; every field is checked with a message naming it. */
export function parseRuleBody(body: Record<string, unknown>): { spec: AccessRuleSpec; dryRun: boolean } {
  const b = new Fields(body);
  const source = b.str('Source') ?? '';
  if (source === '') throw invalid('a source is required (Source: an address, CIDR or FIRST-LAST range)');
  const port = b.str('Port') ?? '';
  const iface = b.str('InInterface') ?? '';
  const spec: AccessRuleSpec = {
    action: parseAction(b.str('Action') ?? ''),
    source: parseSource(source),
    port: port === '' ? null : parsePort(port),
    inInterface: iface === '' ? null : parseInterface(iface),
  };
  return { spec, dryRun: b.bool('DryRun') ?? false };
}

export const firewallRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/berth/firewall',
    handler: async ({ engine }) => json(200, accessFirewallOf(engine).list().map(ruleJson)),
  },
  {
    method: 'POST',
    path: '/berth/firewall',
    handler: async ({ engine, body }) => {
      const { spec, dryRun } = parseRuleBody(await body());
      const change = await accessFirewallOf(engine).add(spec, { dryRun });
      return json(dryRun ? 200 : 201, changeJson(change));
    },
  },
  {
    method: 'DELETE',
    path: '/berth/firewall/{id}',
    handler: async ({ engine, params }) => json(200, changeJson(await accessFirewallOf(engine).remove(params['id'] ?? ''))),
  },
];
