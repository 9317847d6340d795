import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  RANDOM_NAME_ADJECTIVES,
  RANDOM_NAME_SURNAMES,
  bridgeNameForNetwork,
  containerNameConflict,
  generateContainerName,
  generateId,
  generateVethName,
  isFullId,
  networkNameConflict,
  randomName,
  resolveContainer,
  resolveNetwork,
  shortId,
  validateContainerName,
  validateInterfaceName,
  validateNetworkName,
} from '../../../src/model/names.js';
import { expectError } from './helpers.js';

describe('container names', () => {
  const good: [string, string][] = [['web', 'web'], ['/web', 'web'], ['a1', 'a1'], ['my_app.v2-1', 'my_app.v2-1'], ['9lives', '9lives']];
  for (const [name, want] of good) it(`accepts ${name}`, () => assert.equal(validateContainerName(name), want));
  for (const name of ['a', '/a', '', '_web', '.web', '-web', 'we b', 'web/1', 'wéb', 'web!', '//web']) {
    it(`rejects ${JSON.stringify(name)}`, () =>
      expectError(() => validateContainerName(name), 'invalid', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`));
  }
  it('name conflict message', () => {
    const e = containerNameConflict('web', 'abc123');
    assert.equal(e.kind, 'conflict');
    assert.equal(e.message, 'Conflict. The container name "/web" is already in use by container "abc123". You have to remove (or rename) that container to be able to reuse that name.');
  });
});

describe('network names', () => {
  for (const name of ['mynet', 'my-net_1.x', 'proj_default', 'a', 'net:with:colons', 'ünïcode', 'x'.repeat(255), 'é'.repeat(127)]) {
    it(`accepts ${name.slice(0, 20)}`, () => assert.equal(validateNetworkName(name), name));
  }
  for (const name of ['bridge', 'host', 'none', 'default']) {
    it(`refuses predefined ${name}`, () => expectError(() => validateNetworkName(name), 'forbidden', `operation is not permitted on predefined ${name} network `));
    it(`allows predefined ${name} for the daemon`, () => assert.equal(validateNetworkName(name, { allowPredefined: true }), name));
  }
  const bad: [string, string][] = [
    ['', 'invalid name: '],
    ['   ', 'invalid name:    '],
    ['a b', 'invalid network name "a b": whitespace is not allowed'],
    ['a\u00a0b', 'invalid network name "a\u00a0b": whitespace is not allowed'],
    ['a\nb', 'invalid network name "a\\nb": control characters (such as newlines) are not allowed'],
    ['a\tb', 'invalid network name "a\\tb": control characters (such as newlines) are not allowed'],
    ['a/b', "invalid network name \"a/b\": '/' is not allowed"],
    ['a;rm', "invalid network name \"a;rm\": the shell metacharacter ';' is not allowed"],
    ['$(x)', "invalid network name \"$(x)\": the shell metacharacter '$' is not allowed"],
    ['a`b', "invalid network name \"a`b\": the shell metacharacter '`' is not allowed"],
    ['a|b', "invalid network name \"a|b\": the shell metacharacter '|' is not allowed"],
    ['a&b', "invalid network name \"a&b\": the shell metacharacter '&' is not allowed"],
    ['a>b', "invalid network name \"a>b\": the shell metacharacter '>' is not allowed"],
    ["a'b", "invalid network name \"a'b\": the shell metacharacter ''' is not allowed"],
    ['a"b', 'invalid network name "a\\"b": the shell metacharacter \'"\' is not allowed'],
    ['a*', "invalid network name \"a*\": the shell metacharacter '*' is not allowed"],
    ['a\\b', "invalid network name \"a\\\\b\": the shell metacharacter '\\' is not allowed"],
    ['x'.repeat(256), `invalid network name "${'x'.repeat(256)}": longer than 255 bytes`],
    ['é'.repeat(128), `invalid network name "${'é'.repeat(128)}": longer than 255 bytes`],
  ];
  for (const [name, msg] of bad) it(`rejects ${JSON.stringify(name).slice(0, 30)}`, () => expectError(() => validateNetworkName(name), 'invalid', msg));
  it('duplicate message', () => {
    const e = networkNameConflict('mynet');
    assert.equal(e.kind, 'conflict');
    assert.equal(e.message, 'network with name mynet already exists');
  });
});

describe('IDs', () => {
  it('generateId: 64 hex chars, unique', () => {
    const a = generateId();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.ok(isFullId(a));
    assert.notEqual(generateId(), a);
  });
  it('generateId redraws an all-digit short ID', () => {
    const draws = [Buffer.alloc(32, 0x11), Buffer.alloc(32, 0xab)];
    let i = 0;
    assert.equal(generateId(() => draws[i++] as Buffer), 'ab'.repeat(32));
    assert.equal(i, 2);
  });
  it('shortId (TruncateID)', () => {
    assert.equal(shortId('0123456789abcdef'.repeat(4)), '0123456789ab');
    assert.equal(shortId('sha256:0123456789abcdef'), '0123456789ab');
    assert.equal(shortId('abc'), 'abc');
  });
  it('isFullId', () => {
    assert.equal(isFullId('A'.repeat(64)), false);
    assert.equal(isFullId('a'.repeat(63)), false);
  });
  it('bridge names', () => {
    assert.equal(bridgeNameForNetwork('0123456789abcdef'.repeat(4)), 'br-0123456789ab');
    assert.equal(validateInterfaceName(bridgeNameForNetwork(generateId())).length, 15);
  });
});

describe('interface names', () => {
  for (const name of ['docker0', 'br-0123456789ab', 'veth1234567', 'a', 'x'.repeat(15)]) {
    it(`accepts ${name}`, () => assert.equal(validateInterfaceName(name), name));
  }
  const bad: [string, string][] = [
    ['', 'invalid interface name "": must not be empty'],
    ['x'.repeat(16), `invalid interface name "${'x'.repeat(16)}": must be at most 15 bytes`],
    ['ééééééééé', 'invalid interface name "ééééééééé": must be at most 15 bytes'],
    ['.', "invalid interface name \".\": must not be '.' or '..'"],
    ['..', "invalid interface name \"..\": must not be '.' or '..'"],
    ['a/b', "invalid interface name \"a/b\": must not contain '/'"],
    ['eth0:1', "invalid interface name \"eth0:1\": must not contain ':'"],
    ['my br', 'invalid interface name "my br": must not contain whitespace'],
    ['br\n0', 'invalid interface name "br\\n0": must not contain whitespace'],
    ['br\u00010', 'invalid interface name "br\\u00010": must not contain control characters'],
  ];
  for (const [name, msg] of bad) it(`rejects ${JSON.stringify(name)}`, () => expectError(() => validateInterfaceName(name), 'invalid', msg));
  it('names the option in the message', () =>
    expectError(
      () => validateInterfaceName('a-very-long-bridge-name', 'com.docker.network.bridge.name'),
      'invalid',
      'invalid com.docker.network.bridge.name "a-very-long-bridge-name": must be at most 15 bytes',
    ));
});

describe('veth names', () => {
  it('veth + 7 hex chars', () => {
    const n = generateVethName();
    assert.match(n, /^veth[0-9a-f]{7}$/);
    assert.equal(validateInterfaceName(n), n);
  });
  it('redraws a taken name, gives up after 3 draws', () => {
    const fixed = () => Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    assert.equal(generateVethName(new Set(), fixed), 'vethdeadbee');
    let n = 0;
    const seq = () => Buffer.from([n++, 0, 0, 0]);
    assert.equal(generateVethName(new Set(['veth0000000']), seq), 'veth0100000');
    assert.equal(n, 2);
    expectError(() => generateVethName(new Set(['vethdeadbee']), fixed), 'system', 'could not generate interface name');
  });
});

describe('random container names', () => {
  it('adjective_surname from berth\'s own lists', () => {
    const n = randomName();
    const [adj, sur] = n.split('_');
    assert.ok(RANDOM_NAME_ADJECTIVES.includes(adj as string), n);
    assert.ok(RANDOM_NAME_SURNAMES.includes(sur as string), n);
    assert.equal(validateContainerName(n), n);
  });
  it('adds a digit on retries', () => {
    const zero = () => 0;
    assert.equal(randomName(0, zero), `${RANDOM_NAME_ADJECTIVES[0]}_${RANDOM_NAME_SURNAMES[0]}`);
    assert.equal(randomName(1, zero), `${RANDOM_NAME_ADJECTIVES[0]}_${RANDOM_NAME_SURNAMES[0]}0`);
  });
  it('avoids taken names, then falls back to the short ID', () => {
    const zero = () => 0;
    const first = `${RANDOM_NAME_ADJECTIVES[0]}_${RANDOM_NAME_SURNAMES[0]}`;
    assert.equal(generateContainerName(new Set([`/${first}`]), 'f'.repeat(64), zero), `${first}0`);
    assert.equal(generateContainerName(new Set([first, `${first}0`]), '0123456789abcdef'.repeat(4), zero), '0123456789ab');
  });
});

describe('lookups by ID, name or ID prefix', () => {
  const nets = [
    { id: 'aaaa1111'.repeat(8), name: 'front' },
    { id: 'aaaa2222'.repeat(8), name: 'back' },
    { id: 'bbbb3333'.repeat(8), name: 'aaaa1' },
    { id: 'cccc4444'.repeat(8), name: 'dup' },
    { id: 'dddd5555'.repeat(8), name: 'dup' },
  ];
  it('exact ID, then name, then unique prefix', () => {
    assert.equal(resolveNetwork(nets, 'aaaa2222'.repeat(8)).name, 'back');
    assert.equal(resolveNetwork(nets, 'front').id, nets[0]?.id);
    assert.equal(resolveNetwork(nets, 'aaaa1').id, nets[2]?.id, 'a name beats an ID prefix');
    assert.equal(resolveNetwork(nets, 'aaaa2').name, 'back');
    assert.equal(resolveNetwork(nets, 'bbbb').name, 'aaaa1');
  });
  it('network errors', () => {
    expectError(() => resolveNetwork(nets, 'dup'), 'invalid', 'network dup is ambiguous (2 matches found on name)');
    expectError(() => resolveNetwork(nets, 'aaaa'), 'invalid', 'network aaaa is ambiguous (2 matches found based on ID prefix)');
    expectError(() => resolveNetwork(nets, 'zzz'), 'not-found', 'network zzz not found');
    expectError(() => resolveNetwork(nets, ''), 'invalid', 'invalid name or ID supplied: ""');
  });
  const ctrs = [
    { id: 'abc1'.repeat(16), name: '/web' },
    { id: 'abc2'.repeat(16), name: 'db' },
    { id: 'def3'.repeat(16), name: 'abc1' },
  ];
  it('containers: ID, name with or without /, prefix', () => {
    assert.equal(resolveContainer(ctrs, 'abc2'.repeat(16)).name, 'db');
    assert.equal(resolveContainer(ctrs, 'web').name, '/web');
    assert.equal(resolveContainer(ctrs, '/db').name, 'db');
    assert.equal(resolveContainer(ctrs, 'abc1').id, ctrs[2]?.id, 'a name beats an ID prefix');
    assert.equal(resolveContainer(ctrs, 'abc2').name, 'db');
  });
  it('container errors', () => {
    expectError(() => resolveContainer(ctrs, 'abc'), 'system', 'Multiple IDs found with provided prefix: abc');
    expectError(() => resolveContainer(ctrs, 'nope'), 'not-found', 'No such container: nope');
    expectError(() => resolveContainer(ctrs, ''), 'invalid', 'invalid name or ID supplied: ""');
  });
});
