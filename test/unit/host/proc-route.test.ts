import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcRoute } from '../../../src/host/proc-route.js';

const TEXT = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
tun0\t0101010A\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0
`;

describe('parseProcRoute', () => {
  it('reads destinations with their prefix length, leaving default routes out', () => {
    assert.deepEqual(parseProcRoute(TEXT, 'LE'), ['192.0.2.0/24', '172.17.0.0/16', '10.1.1.1/32']);
  });

  it('reads big-endian words on a big-endian host', () => {
    const be = `h\nx\tC0000200\t0\t1\t0\t0\t0\tFFFFFF00\n`;
    assert.deepEqual(parseProcRoute(be, 'BE'), ['192.0.2.0/24']);
  });

  it('skips the header and lines that are not routes', () => {
    assert.deepEqual(parseProcRoute('Iface\tDestination\n\ngarbage\n', 'LE'), []);
  });
});
