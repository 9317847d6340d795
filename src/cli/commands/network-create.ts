// berth network create [OPTIONS] NETWORK
import { cidrContains, tryParseCidr, tryParseIpv4 } from '../../model/ipv4.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { kvMap } from './common.js';

interface IpamConfigBody {
  Subnet: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** Does `subnet` contain `data` (an address or a CIDR)? Docker CLI's subnetMatches. */
function subnetMatches(subnet: string, data: string): boolean {
  const s = tryParseCidr(subnet);
  if (!s) throw new CliError(`invalid subnet: invalid CIDR address: ${subnet}`);
  let ip: number | null;
  if (data.includes('/')) {
    const c = tryParseCidr(data);
    if (!c) throw new CliError(`invalid CIDR address: ${data}`);
    ip = c.addr;
  } else {
    ip = tryParseIpv4(data);
  }
  return ip !== null && cidrContains(s, ip);
}

/** The Docker CLI's consolidateIpam: pair --ip-range/--gateway/--aux-address with their --subnet. */
export function consolidateIpam(
  subnets: readonly string[],
  ranges: readonly string[],
  gateways: readonly string[],
  aux: Readonly<Record<string, string>>,
): IpamConfigBody[] {
  if (subnets.length < ranges.length || subnets.length < gateways.length) {
    throw new CliError('every ip-range or gateway must have a corresponding subnet');
  }
  const data = new Map<string, IpamConfigBody>();
  for (const s of subnets) {
    for (const k of data.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) {
        throw new CliError('multiple overlapping subnet configuration is not supported');
      }
    }
    data.set(s, { Subnet: s });
  }
  for (const r of ranges) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, r)) continue;
      const d = data.get(s) as IpamConfigBody;
      if (d.IPRange) throw new CliError(`cannot configure multiple ranges (${r}, ${d.IPRange}) on the same subnet (${s})`);
      d.IPRange = r;
      match = true;
    }
    if (!match) throw new CliError(`no matching subnet for range ${r}`);
  }
  for (const g of gateways) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, g)) continue;
      const d = data.get(s) as IpamConfigBody;
      if (d.Gateway) throw new CliError(`cannot configure multiple gateways (${g}, ${d.Gateway}) for the same subnet (${s})`);
      d.Gateway = g;
      match = true;
    }
    if (!match) throw new CliError(`no matching subnet for gateway ${g}`);
  }
  for (const [key, addr] of Object.entries(aux)) {
    let match = false;
    for (const s of subnets) {
      if (!subnetMatches(s, addr)) continue;
      const d = data.get(s) as IpamConfigBody;
      (d.AuxiliaryAddresses ??= {})[key] = addr;
      match = true;
    }
    if (!match) throw new CliError(`no matching subnet for aux-address ${addr}`);
  }
  return [...data.values()];
}

const validateLabel = (v: string) => (v.includes('=') ? undefined : `bad attribute format: ${v}`);

export const networkCreate = defineCommand({
  name: 'create',
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  args: { min: 1, max: 1 },
  options: [
    { name: 'driver', short: 'd', type: 'string', default: 'bridge', help: 'Driver to manage the Network' },
    { name: 'opt', short: 'o', type: 'string', repeatable: true, valueName: 'map', help: 'Set driver specific options' },
    { name: 'label', type: 'string', repeatable: true, help: 'Set metadata on a network', validate: validateLabel },
    { name: 'internal', type: 'bool', help: 'Restrict external access to the network' },
    { name: 'attachable', type: 'bool', help: 'Enable manual container attachment' },
    { name: 'ipv6', type: 'bool', help: 'Enable IPv6 networking' },
    { name: 'subnet', type: 'string', repeatable: true, csv: true, help: 'Subnet in CIDR format that represents a network segment' },
    { name: 'ip-range', type: 'string', repeatable: true, csv: true, help: 'Allocate container ip from a sub-range' },
    { name: 'gateway', type: 'string', repeatable: true, csv: true, help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ipam-driver', type: 'string', default: 'default', help: 'IP Address Management Driver' },
    { name: 'ipam-opt', type: 'string', repeatable: true, valueName: 'map', help: 'Set IPAM driver specific options' },
    { name: 'aux-address', type: 'string', repeatable: true, valueName: 'map', help: 'Auxiliary IPv4 or IPv6 addresses used by Network driver' },
  ] as const,
  async run(ctx, o, [name = '']) {
    const config = consolidateIpam(o.subnet, o['ip-range'], o.gateway, kvMap(o['aux-address']));
    const body = {
      Name: name,
      CheckDuplicate: true,
      Driver: o.driver,
      Options: kvMap(o.opt),
      IPAM: { Driver: o['ipam-driver'], Config: config, Options: kvMap(o['ipam-opt']) },
      Internal: o.internal,
      EnableIPv6: o.ipv6,
      Attachable: o.attachable,
      Ingress: false,
      ConfigOnly: false,
      Labels: kvMap(o.label),
    };
    const r = await ctx.client.networkCreate(body);
    if (r.Warning) ctx.err(`WARNING: ${r.Warning}\n`);
    ctx.out(`${r.Id}\n`);
    return 0;
  },
});
