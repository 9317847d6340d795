// The rule watch over a stand-in for `nft monitor` (a node script printing what
// nft prints): a foreign commit is reported, and a monitor that has printed
// enough is replaced by a fresh one without a moment unwatched, once its lines
// pause (or after twice as many).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchRules } from '../../../src/engine/rule-watch.js';
import { isAlive } from '../../../src/engine/processes.js';

/** Prints one commit (two element lines and its generation line) every 20 ms; records its pid in `dir`. */
const FAKE_MONITOR = `
const { writeFileSync } = require('node:fs');
writeFileSync(require('node:path').join(process.argv[1], String(process.pid)), '');
let gen = 0;
setInterval(() => {
  gen++;
  process.stdout.write('add element ip berth published-any { tcp . 80 : 172.17.0.2 . 80 }\\nadd element ip berth bridges { "x" }\\n# new generation ' + gen + ' by process 4242 (nft)\\n');
}, 20);
`;

test('watchRules: a monitor that printed renewAfterLines lines is replaced once its successor is live, with no gap reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-watch-'));
  const live: boolean[] = [];
  const logs: string[] = [];
  const commits: string[] = [];
  const watch = watchRules(() => undefined, {
    command: [process.execPath, '-e', FAKE_MONITOR, dir],
    renewAfterLines: 30,
    onMonitor: (on) => live.push(on),
    onForeignCommit: (lines) => commits.push(lines.map((l) => l.split(' ')[4]).join(',')),
    log: (m) => logs.push(m),
  });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const pids = readdirSync(dir).map(Number).sort((a, b) => a - b);
    assert.ok(pids.length >= 3, `renewed more than once: ${pids.length} monitors started`);
    assert.ok(logs.some((m) => /nft monitor printed \d+ lines: starting a fresh one/.test(m)), logs.join('\n'));
    assert.deepEqual(live, [true], 'live once, never reported down while one replaced another');
    assert.ok(pids.filter(isAlive).length <= 2, 'the replaced monitors are stopped');
    const before = commits.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(commits.length > before, 'commits are still reported after the renewals');
    assert.deepEqual([...new Set(commits)], ['published-any,bridges'], 'each with the lines printed of it');
  } finally {
    watch.stop();
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Prints one burst of `n` commits at once, then nothing; records its pid in `dir`. */
const BURST_MONITOR = (n: number): string => `
const { writeFileSync } = require('node:fs');
writeFileSync(require('node:path').join(process.argv[1], String(process.pid)), '');
let out = '';
for (let gen = 1; gen <= ${n}; gen++) out += 'add element ip berth bridges { "x" }\\n# new generation ' + gen + ' by process 4242 (nft)\\n';
process.stdout.write(out);
setInterval(() => {}, 1000);
`;

test('watchRules: the renewal waits for the lines to pause, so it never starts in the middle of a big change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-watch-'));
  const watch = watchRules(() => undefined, { command: [process.execPath, '-e', BURST_MONITOR(20), dir], renewAfterLines: 30, renewQuietMs: 400 });
  const started = (): number => readdirSync(dir).length;
  try {
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(started(), 1, 'not renewed while the burst has just been printed');
    const deadline = Date.now() + 3000;
    while (started() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(started(), 2, 'renewed once the lines paused');
  } finally {
    watch.stop();
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('watchRules: commits by berthd\'s own processes are not reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-watch-'));
  let foreign = 0;
  const watch = watchRules(() => undefined, {
    command: [process.execPath, '-e', FAKE_MONITOR, dir],
    owns: (pid) => pid === 4242,
    onForeignCommit: () => foreign++,
  });
  try {
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(foreign, 0);
  } finally {
    watch.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
