// The matches every rule has without -m: -s/-d with masks, -i/-o with `+`
// wildcards, -p by name or number, -f (our packets are never fragments).
import { prefixMask, tryParseIpv4 } from '../../model/ipv4.js';
import { unsupported, type MatchOption, type Test } from './types.js';

/** Core flags, long and short, with the name they are known by. */
export const CORE_FLAGS: Readonly<Record<string, string>> = {
  '-s': '-s',
  '--source': '-s',
  '--src': '-s',
  '-d': '-d',
  '--destination': '-d',
  '--dst': '-d',
  '-i': '-i',
  '--in-interface': '-i',
  '-o': '-o',
  '--out-interface': '-o',
  '-p': '-p',
  '--protocol': '-p',
  '-f': '-f',
  '--fragment': '-f',
};

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0` (any mask), or a bare address (/32). */
function parseAddressMask(text: string): readonly [number, number] | null {
  const [ip = '', mask] = text.split('/');
  const addr = tryParseIpv4(ip);
  if (addr === null) return null;
  if (mask === undefined) return [addr, 0xffffffff];
  if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) return [addr, prefixMask(Number(mask))];
  const dotted = tryParseIpv4(mask);
  return dotted === null ? null : [addr, dotted];
}

function addressTest(text: string, field: 'src' | 'dst'): Test {
  const parsed = parseAddressMask(text);
  if (parsed === null) return unsupported(`address ${text}`);
  const [addr, mask] = parsed;
  return (ctx) => ((ctx.packet[field] & mask) >>> 0) === ((addr & mask) >>> 0);
}

/** The kernel's interface match: exact, or a prefix when the name ends in `+`. */
function interfaceMatches(pattern: string, name: string | null): boolean {
  if (name === null) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

const PROTO_NUMBERS: Readonly<Record<string, string>> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '132': 'sctp' };

function protocolTest(text: string): Test {
  const name = PROTO_NUMBERS[text] ?? text.toLowerCase();
  if (name === 'all' || name === '0') return () => true;
  // Another protocol (gre, esp, 47...) never matches the tcp/udp/sctp/icmp packets traced.
  return (ctx) => ctx.packet.proto === name;
}

/** The test of one core option, before negation. */
export function coreTest(opt: MatchOption): Test {
  const value = opt.values[0] ?? '';
  switch (CORE_FLAGS[opt.flag]) {
    case '-s':
      return addressTest(value, 'src');
    case '-d':
      return addressTest(value, 'dst');
    case '-i':
      return (ctx) => interfaceMatches(value, ctx.inIface);
    case '-o':
      return (ctx) => interfaceMatches(value, ctx.outIface);
    case '-p':
      return protocolTest(value);
    case '-f':
      return () => false;
    default:
      return unsupported(`option ${opt.flag}`);
  }
}

