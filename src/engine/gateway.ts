// Which of a sandbox's endpoints is its gateway: the one that carries its default
// route and its published ports. dockerd 20.10 orders a sandbox's endpoints with
// internal networks last and otherwise by network name, and takes the first; so
// connecting a container to a network whose name sorts first moves its published
// ports there (observed: "appnet" takes over from "bridge", "back" from "front").
import type { EndpointRecord, NetworkRecord } from './types.js';

export function pickGatewayNetwork<N extends Pick<NetworkRecord, 'internal' | 'name'>>(networks: readonly N[]): N | undefined {
  return [...networks].sort((a, b) => Number(a.internal) - Number(b.internal) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

export function gatewayEndpoint(endpoints: readonly EndpointRecord[], networks: readonly NetworkRecord[]): EndpointRecord | undefined {
  const mine = networks.filter((n) => endpoints.some((e) => e.networkId === n.id));
  const gw = pickGatewayNetwork(mine);
  return gw && endpoints.find((e) => e.networkId === gw.id);
}
