// The nftables renderings against the real nft and kernel, in a namespace of
// their own: the table passes `nft -c` and loads into an empty namespace; the
// transaction applies over itself and over a damaged table, keeps the user chain's
// rules and a drop policy, and removes what berth no longer wants; NftFirewall
// sees real damage and nothing else, and takes over an older berth's table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsSet, pollUntil, runCmd, type CmdResult } from '../helpers/netns.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NftSession } from '../../src/host/nft-session.js';
import { TYPICAL, net, port, tableObjects as objects } from '../helpers/layout-fixtures.js';
import { renderNftLayout } from '../../src/render/nftables/layout.js';
import { printChanges, printTable, printTransaction } from '../../src/render/nftables/print.js';
import { changedPart } from '../../src/render/nftables/diff.js';
import { isDynamicChain } from '../../src/render/nftables/names.js';
import type { NftTable } from '../../src/render/nftables/ir.js';
import type { LayoutInput } from '../../src/render/iptables/docker-layout.js';
import { NftFirewall, nftBackend } from '../../src/engine/nft-firewall.js';
import { exec, type Exec } from '../../src/host/exec.js';

const nets = new NetnsSet();
let ns = '';

before(async () => {
  ns = await nets.add('nft');
});

after(() => nets.cleanup());

function table(input: LayoutInput): NftTable {
  const t = renderNftLayout(input);
  assert.ok(t);
  return t;
}

async function nft(args: readonly string[], input?: string): Promise<CmdResult> {
  return runCmd(['ip', 'netns', 'exec', ns, 'nft', ...args], input === undefined ? {} : { input });
}

async function ok(args: readonly string[], input?: string): Promise<string> {
  const r = await nft(args, input);
  assert.equal(r.code, 0, `nft ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const listTable = (): Promise<string> => ok(['list', 'table', 'ip', 'berth']);

test('the table passes nft -c and loads into an empty namespace, in both modes', async () => {
  for (const input of [TYPICAL, { ...TYPICAL, hairpin: true }]) {
    const text = printTable(table(input));
    await ok(['-c', '-f', '-'], text);
    await ok(['flush', 'ruleset']);
    await ok(['-f', '-'], text);
    const listed = await listTable();
    assert.match(listed, /tcp \. 8080 : 172\.17\.0\.2 \. 80/);
    assert.match(listed, /10\.0\.0\.1 \. tcp \. 8443 : 172\.18\.0\.3 \. 443/);
  }
});

test('the transaction applies over itself, keeps the user chain and the policy, and drops what is gone', async () => {
  await ok(['flush', 'ruleset']);
  const first = table(TYPICAL);
  await ok(['-c', '-f', '-'], printTransaction(first, []));
  await ok(['-f', '-'], printTransaction(first, []));
  const healthy = await listTable();
  await ok(['-f', '-'], printTransaction(first, []));
  assert.equal(await listTable(), healthy, 'applying again changes nothing');

  await ok(['add rule ip berth berth-user ip saddr 10.9.9.9 drop; add chain ip berth forward { policy drop; }']);
  await ok(['flush chain ip berth forward; flush map ip berth published-any']);
  // br-app and its ports go; a network without masquerade takes its place.
  const second = table({ ...TYPICAL, networks: TYPICAL.networks.filter((n) => n.bridge !== 'br-app'), ports: [port('docker0', '172.17.0.2', 8080, 80)] });
  await ok(['-f', '-'], printTransaction(second, ['masq-br-app', 'masq-br-never-was', 'ports-172.18.0.2', 'ports-172.18.0.3']));
  const after = await listTable();
  assert.match(after, /\tchain berth-user \{\n\t\tip saddr 10\.9\.9\.9 drop\n\t\}/, "the user chain's rule survives");
  assert.match(after, /hook forward priority filter; policy drop;/, 'the policy survives');
  assert.match(after, /\t\tjump berth-user\n/, 'the flushed forward chain is whole again');
  assert.doesNotMatch(after, /br-app|5353|8443/, 'nothing of br-app is left');
  assert.match(after, /tcp \. 8080 : 172\.17\.0\.2 \. 80/);
});

test('NftFirewall over the real nft: repairs real damage, not a user rule, and restores a deleted table with its policy', async () => {
  await ok(['flush', 'ruleset']);
  const inNs: Exec = (argv, o) => exec(['ip', 'netns', 'exec', ns, ...argv], o);
  const fw = new NftFirewall(nftBackend(inNs));
  const input: LayoutInput = { ...TYPICAL, networks: [...TYPICAL.networks, net('extra', '172.22.0.0/16')] };
  await fw.setForwardPolicyDrop();
  assert.equal(await fw.apply(input, () => undefined), true);
  assert.equal(await fw.apply(input, () => undefined), false, 'healthy: nothing to do');
  await ok(['add rule ip berth berth-user ip saddr 10.9.9.9 drop']);
  assert.equal(await fw.apply(input, () => undefined), false, "a rule in the user chain is the user's business");
  await ok(['delete element ip berth published-any { tcp . 8080 }']);
  assert.equal(await fw.apply(input, () => undefined), true);
  assert.match(await listTable(), /tcp \. 8080 : 172\.17\.0\.2 \. 80/);
  await ok(['delete table ip berth']);
  assert.equal(await fw.apply(input, () => undefined), true);
  assert.match(await listTable(), /hook forward priority filter; policy drop;/);
  assert.equal(fw.ownedText(), printTable(table(input)).replace('priority filter;\n', 'priority filter; policy drop;\n'));
});

test("NftFirewall's first apply over an older berth's table: its retired sets go, after the rules that used them; the user's set stays", async () => {
  await ok(['flush', 'ruleset']);
  // What a berthd before hairpin-self and published-ports left: a set of address . address . proto . port,
  // used in postrouting, and one of address . proto . port . bridge, used in forward.
  const older = printTable(table(TYPICAL))
    .replace('\tset hairpin-self {\n\t\ttype ipv4_addr . ipv4_addr\n', '\tset published-self {\n\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n')
    .replace(/(\t\t\t172\.\d+\.0\.\d+ \. 172\.\d+\.0\.\d+),/g, '$1 . tcp . 80,')
    .replace('ct status dnat ip saddr . ip daddr @hairpin-self masquerade', 'ip saddr . ip daddr . meta l4proto . th dport @published-self masquerade')
    .replace('\tchain berth-user {', '\tset published-dst {\n\t\ttype ipv4_addr . inet_proto . inet_service . ifname\n\t\telements = {\n\t\t\t172.17.0.2 . tcp . 80 . "docker0",\n\t\t}\n\t}\n\n\tchain berth-user {')
    .replace('ip daddr vmap @published-ports', 'ip daddr . meta l4proto . th dport . oifname @published-dst accept');
  assert.notEqual(older, printTable(table(TYPICAL)));
  await ok(['-f', '-'], older);
  await ok(['add set ip berth my-set { type ipv4_addr; }; add rule ip berth berth-user ip saddr @my-set drop']);
  const inNs: Exec = (argv, o) => exec(['ip', 'netns', 'exec', ns, ...argv], o);
  assert.equal(await new NftFirewall(nftBackend(inNs)).apply(TYPICAL, () => undefined), true);
  const listed = await listTable();
  assert.doesNotMatch(listed, /published-self|published-dst/);
  assert.match(listed, /ct status dnat ip saddr \. ip daddr @hairpin-self masquerade/);
  assert.match(listed, /ip daddr vmap @published-ports/);
  assert.match(listed, /\tset my-set \{/);
  assert.match(listed, /ip saddr @my-set drop/);
});

test('NftFirewall over a long-lived nft -i: the table nft -f loads, errors naming the input line, a killed nft replaced', async () => {
  await ok(['flush', 'ruleset']);
  const dir = await mkdtemp(join(tmpdir(), 'berth-nft-session-'));
  const pids: number[] = [];
  const session = new NftSession({ dir, command: ['ip', 'netns', 'exec', ns, 'nft', '-i'], onStart: (pid) => pids.push(pid) });
  try {
    const inNs: Exec = (argv, o) => exec(['ip', 'netns', 'exec', ns, ...argv], o);
    const backend = nftBackend(inNs, { session });
    const fw = new NftFirewall(backend);
    assert.equal(await fw.apply(TYPICAL, () => undefined), true);
    const viaSession = await listTable();
    await ok(['flush', 'ruleset']);
    await ok(['-f', '-'], printTransaction(table(TYPICAL), []));
    assert.equal(await listTable(), viaSession, 'the same table as nft -f of the same transaction');

    await assert.rejects(backend.load('table ip berth {\n\tchain x {\n\t\tjump nowhere\n\t}\n}\n'), {
      message: /^nft -f failed \(input line 3: jump nowhere\): .*nft-transaction\.nft:3:\d+-\d+: Error: No such file or directory\b/,
    });
    assert.doesNotMatch(await listTable(), /chain x/, 'nothing of a refused transaction is committed');

    const [first] = pids;
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    await pollUntil(async () => (await runCmd(['kill', '-0', String(first)])).code !== 0, { what: 'nft -i gone' });
    const more: LayoutInput = { ...TYPICAL, ports: [...TYPICAL.ports, port('docker0', '172.17.0.2', 9191, 91)] };
    assert.equal(await fw.apply(more, () => undefined), true);
    assert.equal(pids.length, 2, 'a new nft -i took over');
    assert.match(await listTable(), /tcp \. 9191 : 172\.17\.0\.2 \. 91/);
  } finally {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('changes on top of the last table reach what loading the target whole gives', async () => {
  const extra = net('extra', '172.22.0.0/16');
  const steps: LayoutInput[] = [
    TYPICAL,
    { ...TYPICAL, networks: [...TYPICAL.networks, extra] },
    { ...TYPICAL, networks: [...TYPICAL.networks, extra], ports: [...TYPICAL.ports, port('br-extra', '172.22.0.2', 9090, 90)] },
    // The same host port to another sandbox: a map value changes under its key.
    { ...TYPICAL, networks: [...TYPICAL.networks, extra], ports: [...TYPICAL.ports, port('br-extra', '172.22.0.3', 9090, 91)] },
    { ...TYPICAL, networks: [...TYPICAL.networks, extra] },
    TYPICAL,
    { ...TYPICAL, hairpin: true },
  ];
  const whole = async (t: NftTable): Promise<string> => {
    await ok(['flush', 'ruleset']);
    await ok(['-f', '-'], printTable(t));
    return listTable();
  };
  let last = table(steps[0]!);
  await ok(['flush', 'ruleset']);
  await ok(['-f', '-'], printTable(last));
  let listed = await listTable();
  for (const [i, input] of steps.entries()) {
    const next = table(input);
    const wanted = await whole(next);
    await ok(['flush', 'ruleset']);
    await ok(['-f', '-'], printTable(last));
    const stale = last.chains.map((c) => c.name).filter((n) => isDynamicChain(n) && !next.chains.some((c) => c.name === n));
    const script = printChanges(last, changedPart(last, next), stale);
    await ok(['-f', '-'], script);
    listed = await listTable();
    assert.deepEqual(objects(listed), objects(wanted), `step ${i}:\n${script}`);
    last = next;
  }
});
