// nft monitor's output split into commits, however the pipe cuts it into chunks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MonitorCommits, generationPid } from '../../../src/engine/monitor-commits.js';

describe('generationPid', () => {
  it('reads the committing process from nft monitor lines', () => {
    assert.equal(generationPid('# new generation 2 by process 31460 (iptables)'), 31460);
    assert.equal(generationPid('# new generation 3 by process 7 (nft)'), 7);
    assert.equal(generationPid('# new generation 4'), -1, 'a commit of unknown origin');
    assert.equal(generationPid('add table ip filter'), null);
  });
});

const OUTPUT = [
  'add element ip berth published-any { tcp . 80 : 172.17.0.2 . 80 }',
  'add rule ip filter FORWARD counter packets 0 bytes 0 # über',
  '# new generation 7 by process 4242 (nft)',
  '# new generation 8 by process 99 (iptables-nft-re)',
  'delete rule ip filter FORWARD handle 5',
  'add chain ip nat x # new generation inside a line',
  '# new generation 9',
  'add table ip t',
].join('\n');

/** The commits read from OUTPUT cut at the given byte offsets, each as pid: its lines. */
function read(cuts: readonly number[]): { commits: string[]; lines: number } {
  const bytes = Buffer.from(`${OUTPUT}\n`);
  const m = new MonitorCommits();
  const commits: string[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    m.push(bytes.subarray(at, cut), (pid, lines) => commits.push(`${pid}: ${lines().join(' | ')}`));
    at = cut;
  }
  return { commits, lines: m.lines };
}

describe('MonitorCommits', () => {
  const expected = [
    '4242: add element ip berth published-any { tcp . 80 : 172.17.0.2 . 80 } | add rule ip filter FORWARD counter packets 0 bytes 0 # über',
    '99: ',
    '-1: delete rule ip filter FORWARD handle 5 | add chain ip nat x # new generation inside a line',
  ];

  it('gives each generation line its process and the lines printed before it, and counts whole lines', () => {
    assert.deepEqual(read([]), { commits: expected, lines: 8 });
  });

  it('reads the same whatever the chunks: cut at every byte, inside a character, a generation line or a line break', () => {
    const size = Buffer.byteLength(`${OUTPUT}\n`);
    for (let cut = 1; cut < size; cut++) assert.deepEqual(read([cut]), { commits: expected, lines: 8 }, `cut at ${cut}`);
    assert.deepEqual(read(Array.from({ length: size - 1 }, (_, i) => i + 1)), { commits: expected, lines: 8 }, 'a byte at a time');
  });

  it('leaves a commit whose generation line has not come yet, and decodes no lines unless asked', () => {
    const m = new MonitorCommits();
    let asked = 0;
    m.push(Buffer.from('add table ip a\nadd table ip b\n# new gener'), () => asked++);
    assert.equal(asked, 0);
    m.push(Buffer.from('ation 3 by process 5 (nft)\n'), (pid) => {
      assert.equal(pid, 5);
      asked++;
    });
    assert.equal(asked, 1);
    assert.equal(m.lines, 3);
  });
});
