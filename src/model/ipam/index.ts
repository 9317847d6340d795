// IP address management like Docker 20.10's default IPAM: default pools and subnet
// choice (pools.ts), network subnet/gateway/ip-range planning (network.ts), container
// addresses and MACs (address.ts).
export * from './pools.js';
export * from './network.js';
export * from './address.js';
