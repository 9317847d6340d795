import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalRule, joinTokens, quoteToken, tokenize } from '../../../src/render/iptables/tokenize.js';

describe('tokenize', () => {
  it('splits on runs of blanks', () => {
    assert.deepEqual(tokenize('  -s 10.0.0.0/8\t -j   ACCEPT '), ['-s', '10.0.0.0/8', '-j', 'ACCEPT']);
  });

  it('keeps a quoted comment as one token', () => {
    assert.deepEqual(tokenize('-m comment --comment "berth allow 10.0.0.0/8" -j ACCEPT'), [
      '-m',
      'comment',
      '--comment',
      'berth allow 10.0.0.0/8',
      '-j',
      'ACCEPT',
    ]);
  });

  it('reads backslash escapes inside quotes', () => {
    assert.deepEqual(tokenize(String.raw`--comment "say \"hi\" it\'s a \\ b"`), ['--comment', `say "hi" it's a \\ b`]);
  });

  it('keeps an empty quoted token', () => {
    assert.deepEqual(tokenize('--log-prefix "" -j LOG'), ['--log-prefix', '', '-j', 'LOG']);
  });

  it('treats a backslash outside quotes as an ordinary character', () => {
    assert.deepEqual(tokenize(String.raw`--string a\b`), ['--string', String.raw`a\b`]);
  });

  it('ends a token at the closing quote and joins a quote opened mid-token, like iptables-restore', () => {
    assert.deepEqual(tokenize('"a b"c x"y z"'), ['a b', 'c', 'xy z']);
  });

  it('rejects an unterminated quote', () => {
    assert.throws(() => tokenize('--comment "oops'), /unterminated quote/);
    assert.throws(() => tokenize('--comment "oops\\'), /unterminated quote/);
  });
});

describe('quoteToken', () => {
  it('leaves plain tokens alone, including addresses and ports', () => {
    for (const t of ['-A', 'DOCKER-USER', '172.18.0.2:6379', '127.0.0.0/8', 'RELATED,ESTABLISHED', '!', 'foo.bar']) {
      assert.equal(quoteToken(t), t);
    }
  });

  it('quotes blanks, quotes, backslashes and the empty string the way iptables-save does', () => {
    assert.equal(quoteToken('berth allow 10.0.0.0/8'), '"berth allow 10.0.0.0/8"');
    assert.equal(quoteToken(`say "hi"`), String.raw`"say \"hi\""`);
    assert.equal(quoteToken(`it's`), String.raw`"it\'s"`);
    assert.equal(quoteToken(String.raw`a\b`), String.raw`"a\\b"`);
    assert.equal(quoteToken(''), '""');
  });

  it('round-trips through tokenize', () => {
    const tokens = ['-m', 'comment', '--comment', `a "b" 'c' \\ d`, '', 'x\ty', '-j', 'ACCEPT'];
    assert.deepEqual(tokenize(joinTokens(tokens)), tokens);
  });
});

describe('canonicalRule', () => {
  it('collapses blanks outside quotes only and drops needless quotes', () => {
    assert.equal(
      canonicalRule('-s  10.0.0.0/8   -m comment --comment "two  spaces"  -j "ACCEPT"'),
      '-s 10.0.0.0/8 -m comment --comment "two  spaces" -j ACCEPT',
    );
  });
});
