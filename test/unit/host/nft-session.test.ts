// NftSession against a stand-in for `nft -i` that speaks as nft does: a file it
// includes is committed (appended to a log) unless a line says `bogus` (an error
// naming the file and line, nothing committed), `crash` (it exits) or `hang`
// (no answer); a lookup of a missing table prints nft's error for it.
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NftSession, includeLine, type NftSessionOptions } from '../../../src/host/nft-session.js';
import { nftBackend } from '../../../src/engine/nft-firewall.js';
import { SessionError } from '../../../src/host/process-session.js';
import type { Exec } from '../../../src/host/exec.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-nft-session-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = join(dir, 'committed');

const FAKE_NFT = `
const fs = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
let hung = false;
rl.on('line', (line) => {
  if (hung) return;
  const inc = /^include "(.*)"$/.exec(line);
  if (inc) {
    const lines = fs.readFileSync(inc[1], 'utf8').split('\\n');
    if (lines.includes('crash')) process.exit(3);
    if (lines.includes('hang')) { hung = true; return; }
    const bad = lines.findIndex((l) => l.includes('bogus'));
    if (bad >= 0) {
      process.stderr.write('In file included from <cmdline>:1:1-30:\\n' + inc[1] + ':' + (bad + 1) + ':2-6: Error: syntax error\\n' + lines[bad] + '\\n ^^^^^\\n');
      return;
    }
    fs.appendFileSync(${JSON.stringify(log)}, process.pid + ' ' + lines.filter(Boolean).join(' ') + '\\n');
    return;
  }
  if (/^list table ip /.test(line)) process.stderr.write('Error: No such file or directory\\n' + line + '\\n              ^^^^^^^^^^^^\\n');
});
`;

const opened: NftSession[] = [];
afterEach(() => Promise.all(opened.splice(0).map((s) => s.close())));

function session(opts: Partial<NftSessionOptions> = {}): { s: NftSession; started: number[]; ended: number[] } {
  writeFileSync(log, '');
  const started: number[] = [];
  const ended: number[] = [];
  const s = new NftSession({
    dir,
    command: [process.execPath, '-e', FAKE_NFT],
    onStart: (pid) => started.push(pid),
    onEnd: (pid) => ended.push(pid),
    ...opts,
  });
  opened.push(s);
  return { s, started, ended };
}

const committed = (): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);

describe('NftSession', () => {
  it('commits transactions in order through one process, however many are queued at once', async () => {
    const { s, started, ended } = session();
    await Promise.all(['a', 'b', 'c', 'd'].map((x) => s.load(`add ${x}\n`)));
    await s.load('add e\nadd f\n');
    assert.deepEqual(committed(), ['a', 'b', 'c', 'd', 'e f'].map((x) => `${started[0]} add ${x.replace(' ', ' add ')}`));
    assert.equal(started.length, 1);
    await s.close();
    assert.deepEqual(ended, started, 'close ends the process');
  });

  it('a refused transaction fails with what nft said, and the session goes on', async () => {
    const { s, started } = session();
    const err = await s.load('add a\nadd bogus\n').then(() => null, (e: unknown) => e);
    assert.ok(err instanceof SessionError);
    assert.equal(err.message, `nft: ${join(dir, 'nft-transaction.nft')}:2:2-6: Error: syntax error`);
    assert.match(err.stderr, /^In file included from/);
    assert.doesNotMatch(err.stderr, /berth_sync/, "the marker's error is not the transaction's");
    await s.load('add b\n');
    assert.deepEqual(committed(), [`${started[0]} add b`]);
    assert.equal(started.length, 1);
    await s.close();
  });

  it('through nftBackend, an error names the input line, as with nft -f', async () => {
    const { s } = session();
    const noExec: Exec = () => Promise.reject(new Error('no process expected'));
    await assert.rejects(nftBackend(noExec, { session: s }).load('table ip berth {\n\tadd bogus\n}\n'), {
      message: `nft -f failed (input line 2: add bogus): ${join(dir, 'nft-transaction.nft')}:2:2-6: Error: syntax error`,
    });
    await s.close();
  });

  it('nft exiting mid-transaction fails it; the next transaction starts a new nft', async () => {
    const { s, started, ended } = session();
    await assert.rejects(s.load('crash\n'), /: nft exited while committing$/);
    assert.deepEqual(ended, started);
    await s.load('add a\n');
    assert.equal(started.length, 2);
    assert.deepEqual(committed(), [`${started[1]} add a`]);
    await s.close();
  });

  it('a transaction without an answer in time ends nft and fails; the next one runs', async () => {
    const { s, started, ended } = session({ timeoutMs: 300 });
    await assert.rejects(s.load('hang\n'), /nft gave no answer within 300 ms/);
    assert.deepEqual(ended, started);
    await s.load('add a\n');
    assert.equal(started.length, 2);
    await s.close();
  });

  it('after renewAfter transactions nft is replaced (its history of lines grows)', async () => {
    const { s, started, ended } = session({ renewAfter: 2 });
    for (const x of ['a', 'b', 'c']) await s.load(`add ${x}\n`);
    assert.equal(started.length, 2);
    assert.deepEqual(ended, [started[0]]);
    assert.deepEqual(committed().map((l) => Number(l.split(' ')[0])), [started[0], started[0], started[1]]);
    await s.close();
  });

  it('a directory nft cannot include by a quoted path is refused', () => {
    assert.equal(includeLine('/run/berth/x.nft'), 'include "/run/berth/x.nft"');
    assert.equal(includeLine('/run/be"rth/x.nft'), null);
    assert.equal(includeLine('/run/be\nrth/x.nft'), null);
    assert.throws(() => new NftSession({ dir: '/tmp/a"b' }), /nft cannot include a path with quotes or line breaks/);
  });
});
