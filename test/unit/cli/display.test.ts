import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandString, statusString } from '../../../src/api/shapes.js';
import { formatEventTime, humanDuration } from '../../../src/api/units.js';
import { displayablePorts, ellipsis, goTimeString, naturalCompare } from '../../../src/cli/display.js';
import { goQuote } from '../../../src/model/go-quote.js';
import { formatList, indentedJson } from '../../../src/cli/output.js';

describe('docker display helpers', () => {
  it('humanDuration follows go-units', () => {
    const s = 1000;
    const cases: [number, string][] = [
      [0, 'Less than a second'],
      [999, 'Less than a second'],
      [1 * s, '1 second'],
      [59 * s, '59 seconds'],
      [60 * s, 'About a minute'],
      [119 * s, 'About a minute'],
      [120 * s, '2 minutes'],
      [59 * 60 * s, '59 minutes'],
      [60 * 60 * s, 'About an hour'],
      [89 * 60 * s, 'About an hour'],
      [90 * 60 * s, '2 hours'],
      [47 * 3600 * s, '47 hours'],
      [48 * 3600 * s, '2 days'],
      [14 * 24 * 3600 * s, '2 weeks'],
      [60 * 24 * 3600 * s, '2 months'],
      [800 * 24 * 3600 * s, '2 years'],
    ];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
  });

  it('status strings', () => {
    const now = Date.parse('2024-01-01T00:10:00Z');
    const base = { pid: 1, exitCode: 0, error: '', startedAt: '', finishedAt: '' };
    assert.equal(statusString({ ...base, status: 'created' }, now), 'Created');
    assert.equal(statusString({ ...base, status: 'running', startedAt: '2024-01-01T00:09:57Z' }, now), 'Up 3 seconds');
    assert.equal(
      statusString({ ...base, status: 'exited', exitCode: 0, startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:08:00Z' }, now),
      'Exited (0) 2 minutes ago',
    );
    assert.equal(statusString({ ...base, status: 'exited', startedAt: '0001-01-01T00:00:00Z' }, now), 'Created');
  });

  it('list Command quotes args with spaces', () => {
    assert.equal(commandString(['sh', '-c', 'echo hi']), "sh -c 'echo hi'");
    assert.equal(commandString(['sleep']), 'sleep');
  });

  it('ellipsis and quoting as docker ps shows COMMAND', () => {
    assert.equal(ellipsis('short', 20), 'short');
    assert.equal(ellipsis('httpd -f -p 80 -h /www', 20), 'httpd -f -p 80 -h /…');
    assert.equal(goQuote(ellipsis('sleep 3600', 20)), '"sleep 3600"');
    assert.equal(goQuote('a"b\\c\n'), '"a\\"b\\\\c\\n"');
  });

  it('displayablePorts groups ranges and lists mappings like docker ps', () => {
    assert.equal(displayablePorts([]), '');
    assert.equal(displayablePorts([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]), '0.0.0.0:8080->80/tcp');
    assert.equal(
      displayablePorts([
        { PrivatePort: 443, Type: 'tcp' },
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 53, Type: 'udp' },
      ]),
      '53/udp, 443/tcp, 0.0.0.0:8080->80/tcp',
    );
    assert.equal(
      displayablePorts([9000, 9001, 9002, 9003].map((p) => ({ IP: '0.0.0.0', PrivatePort: p, PublicPort: p, Type: 'tcp' }))),
      '0.0.0.0:9000-9003->9000-9003/tcp',
    );
    assert.equal(
      displayablePorts([1, 2, 4].map((p) => ({ PrivatePort: p, Type: 'tcp' }))),
      '1-2/tcp, 4/tcp',
    );
  });

  it('natural sort of names', () => {
    const names = ['net10', 'net2', 'bridge', 'net1', 'host', 'a01', 'a1'];
    assert.deepEqual([...names].sort(naturalCompare), ['a1', 'a01', 'bridge', 'host', 'net1', 'net2', 'net10']);
  });

  it('Go time strings (UTC)', () => {
    if (new Date(0).getTimezoneOffset() !== 0) return; // the expected text assumes a UTC machine
    assert.equal(goTimeString(Date.parse('2026-11-21T11:18:47Z')), '2026-11-21 11:18:47 +0000 UTC');
    assert.equal(goTimeString(Date.parse('2026-11-21T11:18:46.727Z'), 727430450), '2026-11-21 11:18:46.72743045 +0000 UTC');
    assert.equal(formatEventTime(1700000000, 5), '2023-11-14T22:13:20.000000005Z');
  });

  it('formatList: tables get a header and alignment; plain formats one line per row', () => {
    const rows = [
      { ID: 'abc', Name: 'bridge' },
      { ID: 'defgh', Name: 'a-much-longer-name' },
    ];
    const headers = { ID: 'NETWORK ID', Name: 'NAME' };
    assert.equal(
      formatList('table {{.ID}}\t{{.Name}}', rows, headers),
      'NETWORK ID   NAME\nabc          bridge\ndefgh        a-much-longer-name\n',
    );
    assert.equal(formatList('table {{.ID}}\t{{.Name}}', [], headers), 'NETWORK ID   NAME\n');
    assert.equal(formatList('{{.Name}}', rows, headers), 'bridge\na-much-longer-name\n');
    assert.equal(formatList('{{.Name}}', [], headers), '');
    assert.equal(formatList('{{.ID}}\\t{{.Name}}', rows.slice(0, 1), headers), 'abc\tbridge\n');
    assert.throws(() => formatList('{{.ID', rows, headers), (e: unknown) => /^template parsing error: /.test((e as Error).message));
  });

  it('indentedJson: docker inspect layout', () => {
    assert.equal(indentedJson([]), '[]\n');
    assert.equal(indentedJson(['{"a":{},"b":[],"c":[1]}']), '[\n    {\n        "a": {},\n        "b": [],\n        "c": [\n            1\n        ]\n    }\n]\n');
  });
});

describe('events timestamps', async () => {
  const { eventTimestamp } = await import('../../../src/cli/commands/events.js');
  it('converts durations and dates like docker’s GetTimestamp', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(eventTimestamp(undefined, now), undefined);
    assert.equal(eventTimestamp('1700000000.5', now), '1700000000.5');
    assert.equal(eventTimestamp('10m', now), String(now / 1000 - 600));
    assert.equal(eventTimestamp('1h30m', now), String(now / 1000 - 5400));
    assert.equal(eventTimestamp('2024-01-01T00:00:10Z', now), String(now / 1000 + 10));
    assert.equal(eventTimestamp('garbage', now), 'garbage');
  });
});
