// The save file on its own (pure): what berth writes reads back as it was; a file
// cut anywhere, of another format version, changed by a byte or a field, or whose
// records do not hang together is refused with a message that says which.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildSaveFile, canonicalJson, checksum, configDifferences, readSaveFile, savedConfig, SAVED_OPTIONS, type SaveFile } from '../../../src/save/file.js';
import { DEFAULT_CONFIG } from '../../../src/model/daemon-config.js';
import { populated, BERTH, type Host } from './fixture.js';

let x: Host;
let text = '';

before(async () => {
  x = await populated();
  text = await x.service.save();
});
after(() => x.h.cleanup());

/** The file with `edit` applied to its document and the checksum made right again (a forged file). */
function forged(edit: (doc: Record<string, any>) => void): string {
  const doc = JSON.parse(text) as Record<string, any>;
  edit(doc);
  doc['sha256'] = checksum(doc);
  return JSON.stringify(doc, null, 2);
}

const refusal = (t: string, message: RegExp): void => {
  assert.throws(() => readSaveFile(t, 'host.json', BERTH), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, 'invalid');
    assert.match(e.message, message);
    return true;
  });
};

test('what berth writes reads back as it was: header, state, options, access rules, rules', () => {
  const file = readSaveFile(text, 'host.json', BERTH);
  assert.deepEqual([file.format, file.version, file.berth, file.created, file.backend], ['berth-save', 1, BERTH, '2024-05-06T07:08:09.000Z', 'iptables']);
  assert.deepEqual(file.config, savedConfig(x.h.config));
  assert.deepEqual(Object.keys(file.config), [...SAVED_OPTIONS]);
  const state = x.h.state();
  assert.deepEqual(file.state, { networks: state.networks, endpoints: state.endpoints, containers: state.containers, portCursors: state.portCursors, poolCursor: state.poolCursor, seq: state.seq });
  assert.deepEqual(file.accessRules, x.access.stored());
  assert.equal(file.rules, x.engine.ownedRules());
  assert.equal(file.state.containers.filter((c) => c.state.status === 'running').length, 4);
  assert.ok(text.endsWith('}\n') && text.includes('\n  "state": {'), 'indented for people');
});

test('the checksum covers the document whatever its layout and key order', () => {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const compact = JSON.stringify(doc);
  const reordered = JSON.stringify(Object.fromEntries(Object.entries(doc).reverse()));
  for (const t of [compact, reordered]) assert.equal(readSaveFile(t, 'host.json', BERTH).sha256, doc['sha256']);
  assert.equal(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true }), '{"a":true,"b":[1,{"c":"x","d":null}]}');
  assert.equal(checksum(doc), doc['sha256']);
});

test('a file cut at any point is "truncated or not a berth save file"', () => {
  const cuts = [0, 1, 2, 17, 100, Math.floor(text.length / 2), text.length - 3, text.length - 2];
  for (let i = 3; i < text.length - 2; i += 97) cuts.push(i);
  for (const cut of cuts) refusal(text.slice(0, cut), /^host\.json is truncated or not a berth save file \(/);
  refusal('', /truncated or not a berth save file \(it is empty\)/);
  // Cutting off only the final newline leaves the whole document: still good.
  assert.equal(readSaveFile(text.slice(0, -1), 'host.json', BERTH).rules, x.engine.ownedRules());
});

test('not a berth save file: another JSON document, a field missing, no checksum', () => {
  refusal('[1, 2]', /truncated or not a berth save file \(not a JSON object\)/);
  refusal('{"hello": "world"}', /truncated or not a berth save file \(no "format" field\)/);
  refusal(JSON.stringify({ ...JSON.parse(text), format: 'docker-save' }), /truncated or not a berth save file \(format "docker-save"\)/);
  for (const field of ['state', 'rules', 'accessRules', 'config']) {
    const doc = JSON.parse(text) as Record<string, unknown>;
    delete doc[field];
    refusal(JSON.stringify(doc), new RegExp(`truncated or not a berth save file \\(no "${field}" field\\)`));
  }
  const doc = JSON.parse(text) as Record<string, unknown>;
  delete doc['sha256'];
  refusal(JSON.stringify(doc), /truncated or not a berth save file \(no checksum\)/);
  refusal(JSON.stringify({ ...doc, sha256: 'abc' }), /the checksum is not a SHA-256/);
});

test('a file of another format version is refused as another version\'s', () => {
  const doc = JSON.parse(text) as Record<string, unknown>;
  refusal(JSON.stringify({ ...doc, version: 2, berth: '0.9.0' }), /^host\.json was made by a different version of berth \(save format version 2, written by berth 0\.9\.0\); this berthd \(berth 0\.1\.0\) reads save format version 1 only$/);
  refusal(JSON.stringify({ ...doc, version: '1' }), /different version of berth \(save format version "1"/);
});

test('a change of one byte or one field after the save is a checksum mismatch', () => {
  const ip = JSON.parse(text).state.endpoints[0].ipv4 as string;
  const edits = [
    text.replace(`"ipv4": "${ip}"`, `"ipv4": "${ip.replace(/\d+$/, (d) => String(Number(d) + 1))}"`),
    text.replace('"icc": true', '"icc": false'),
    text.replace('"hostPort": 8080', '"hostPort": 8081'),
    text.replace(/-j DNAT/, '-j DROP'),
    text.replace(/"sha256": "(.)/, (_m, c: string) => `"sha256": "${c === '0' ? '1' : '0'}`),
  ];
  for (const edited of edits) {
    assert.notEqual(edited, text);
    refusal(edited, /^host\.json was changed after berth saved it \(checksum mismatch\)/);
  }
});

test('a forged file (checksum made right) whose records do not hang together is refused, saying what is wrong', () => {
  const cases: [(d: Record<string, any>) => void, RegExp][] = [
    [(d) => (d.state.networks[3].name = 'bridge'), /two networks are named bridge/],
    [(d) => (d.state.endpoints[0].ipv4 = '10.99.0.2'), /endpoint 10\.99\.0\.2 of container \w+ is outside network \w+'s subnet/],
    [(d) => (d.state.endpoints[1].ipv4 = d.state.endpoints[0].ipv4), /two endpoints have the address [\d.]+ on one network/],
    [(d) => (d.state.containers.find((c: any) => c.name === 'db').ports = d.state.containers.find((c: any) => c.name === 'web').ports), /containers web and db both hold host port 8080\/tcp/],
    [(d) => (d.state.containers.find((c: any) => c.name === 'web').state.status = 'exited'), /container web is not running, so it has no endpoints/],
    [(d) => (d.state.endpoints = d.state.endpoints.filter((e: any) => e.containerId !== d.state.containers.find((c: any) => c.name === 'db').id)), /running container db has no endpoint on network appnet/],
    [(d) => (d.state.networks = d.state.networks.filter((n: any) => n.name !== 'bridge')), /the default bridge network "bridge" is missing/],
    [(d) => (d.state.containers.find((c: any) => c.name === 'idle').netns = 'someone-elses'), /container idle is not running but holds host ports or a namespace/],
    [(d) => (d.state.containers.find((c: any) => c.name === 'db').state.status = 'exited'), /container db is not running|shares the namespace of container/],
    [(d) => (d.state.containers[0].name = '../etc'), /state\.containers\[0\]\.name: Invalid container name/],
    [(d) => (d.state.networks[3].bridge.name = 'a-very-long-bridge-name'), /state\.networks\[3\]\.bridge\.name: invalid interface name/],
    [(d) => (d.state.seq = 1), /sequence( number)? \d+ is past the state's 1/],
    [(d) => (d.accessRules[0].source = { kind: 'cidr', cidr: '10.200.0.1/24' }), /accessRules\[0\]\.source: invalid source "10\.200\.0\.1\/24"/],
    [(d) => d.accessRules.push(d.accessRules[0]), /two firewall rules have the id/],
    [(d) => (d.backend = 'nftables'), /backend nftables is not config's firewall-backend "iptables"/],
    [(d) => delete d.config.icc, /config has no "icc"/],
    [(d) => (d.extra = 1), /unknown field "extra"/],
    [(d) => (d.state.endpoints[0].macAddress = 'not-a-mac'), /state\.endpoints\[0\]\.macAddress is "not-a-mac", not a MAC address/],
  ];
  for (const [edit, message] of cases) refusal(forged(edit), new RegExp(`^host\\.json does not hold a consistent berth state: .*(?:${message.source})`));
});

test('configDifferences names the options that shape records and rules and differ', () => {
  const saved = savedConfig(DEFAULT_CONFIG);
  assert.deepEqual(configDifferences(saved, DEFAULT_CONFIG), []);
  assert.deepEqual(configDifferences(saved, { ...DEFAULT_CONFIG, icc: false, bip: '10.50.0.1/24', firewallBackend: 'nftables', dataRoot: '/elsewhere', liveRestore: false }), [
    'firewall-backend: saved iptables, here nftables',
    'icc: saved true, here false',
    'bip: saved "", here 10.50.0.1/24',
  ]);
});

test('buildSaveFile and readSaveFile agree on every field (a SaveFile round trip)', () => {
  const file: SaveFile = readSaveFile(text, 'a', BERTH);
  const again = buildSaveFile(file, { berth: file.berth, created: file.created });
  assert.equal(again, text);
});
