import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOptionsHelp, parseOptions, UsageError, type OptionSpec } from '../../../src/cli/options.js';

const SPECS = [
  { name: 'detach', short: 'd', type: 'bool', help: 'Run in background' },
  { name: 'publish-all', short: 'P', type: 'bool', help: 'Publish all' },
  { name: 'publish', short: 'p', type: 'string', repeatable: true, help: 'Publish a port' },
  { name: 'name', type: 'string', help: 'Name' },
  { name: 'driver', short: 'D', type: 'string', default: 'bridge', help: 'Driver' },
  { name: 'time', short: 't', type: 'int', help: 'Seconds' },
  { name: 'subnet', type: 'string', repeatable: true, csv: true, help: 'Subnets' },
  { name: 'label', type: 'string', repeatable: true, help: 'Label', validate: (v: string) => (v.includes('=') ? undefined : `bad attribute format: ${v}`) },
] as const satisfies readonly OptionSpec[];

describe('option parser', () => {
  const ok: [string, string[], Record<string, unknown>, string[]][] = [
    ['defaults', [], { detach: false, 'publish-all': false, publish: [], name: undefined, driver: 'bridge', time: undefined, subnet: [], label: [] }, []],
    ['--flag value', ['--name', 'web'], { name: 'web' }, []],
    ['--flag=value', ['--name=web'], { name: 'web' }, []],
    ['--flag= (empty value)', ['--name='], { name: '' }, []],
    ['short with space', ['-p', '8080:80'], { publish: ['8080:80'] }, []],
    ['short attached', ['-p8080:80'], { publish: ['8080:80'] }, []],
    ['short with =', ['-p=8080:80'], { publish: ['8080:80'] }, []],
    ['repeatable', ['-p', '1:1', '--publish', '2:2', '-p3:3'], { publish: ['1:1', '2:2', '3:3'] }, []],
    ['combined short bools', ['-dP'], { detach: true, 'publish-all': true }, []],
    ['combined bools ending in a value flag', ['-dPp', '80'], { detach: true, 'publish-all': true, publish: ['80'] }, []],
    ['combined bools with attached value', ['-dp80:80'], { detach: true, publish: ['80:80'] }, []],
    ['bool =false', ['--detach=false'], { detach: false }, []],
    ['bool short =true', ['-d=true'], { detach: true }, []],
    ['int', ['-t', '5'], { time: 5 }, []],
    ['int negative attached', ['--time=-1'], { time: -1 }, []],
    ['last value wins', ['--name', 'a', '--name', 'b'], { name: 'b' }, []],
    ['csv slices', ['--subnet', '10.0.0.0/8,10.1.0.0/16', '--subnet', '10.2.0.0/16'], { subnet: ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16'] }, []],
    ['interspersed positionals', ['a', '-d', 'b'], { detach: true }, ['a', 'b']],
    ['-- ends options', ['-d', '--', '-p', 'x'], { detach: true, publish: [] }, ['-p', 'x']],
    ['a lone dash is positional', ['-'], {}, ['-']],
    ['validator passes', ['--label', 'a=b'], { label: ['a=b'] }, []],
  ];
  for (const [title, argv, expected, args] of ok) {
    it(title, () => {
      const r = parseOptions(SPECS, argv);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual((r.values as Record<string, unknown>)[k], v, k);
      assert.deepEqual(r.args, args);
      assert.equal(r.help, false);
    });
  }

  it('non-interspersed: the first positional ends the options', () => {
    const r = parseOptions(SPECS, ['-d', 'sleep', '-p', '1', '--', 'x'], { interspersed: false });
    assert.equal(r.values.detach, true);
    assert.deepEqual(r.values.publish, []);
    assert.deepEqual(r.args, ['sleep', '-p', '1', '--', 'x']);
  });

  it('records which options were given', () => {
    assert.deepEqual([...parseOptions(SPECS, ['-t', '1', '-d']).given].sort(), ['detach', 'time']);
  });

  it('--help and -h', () => {
    assert.equal(parseOptions(SPECS, ['--help']).help, true);
    assert.equal(parseOptions(SPECS, ['-dh']).help, true);
  });

  const bad: [string, string[], string][] = [
    ['unknown long', ['--nope'], 'unknown flag: --nope'],
    ['unknown long with value', ['--nope=1'], 'unknown flag: --nope'],
    ['unknown short', ['-x'], "unknown shorthand flag: 'x' in -x"],
    ['unknown short in a group', ['-dx'], "unknown shorthand flag: 'x' in -dx"],
    ['missing value long', ['--name'], 'flag needs an argument: --name'],
    ['missing value short', ['-p'], "flag needs an argument: 'p' in -p"],
    ['bad int', ['-t', 'soon'], 'invalid argument "soon" for "-t, --time" flag: strconv.ParseInt: parsing "soon": invalid syntax'],
    ['bad bool', ['--detach=maybe'], 'invalid argument "maybe" for "-d, --detach" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    ['validator fails', ['--label', 'x'], 'invalid argument "x" for "--label" flag: bad attribute format: x'],
  ];
  for (const [title, argv, message] of bad) {
    it(`error: ${title}`, () => {
      assert.throws(() => parseOptions(SPECS, argv), (e: unknown) => e instanceof UsageError && e.message === message);
    });
  }

  it('help lists flags sorted, aligned, with types and defaults (pflag layout)', () => {
    assert.equal(
      formatOptionsHelp(SPECS),
      [
        '  -d, --detach           Run in background',
        '  -D, --driver string    Driver (default "bridge")',
        '      --label list       Label',
        '      --name string      Name',
        '  -p, --publish list     Publish a port',
        '  -P, --publish-all      Publish all',
        '      --subnet strings   Subnets',
        '  -t, --time int         Seconds',
      ].join('\n'),
    );
  });
});
