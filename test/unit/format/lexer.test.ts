// Token streams for the lexer's trickier spots: trim markers need a space,
// comments vanish with their whitespace, numbers versus fields after a dot.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lex } from '../../../src/cli/format/lexer.js';

function kinds(src: string): string[] {
  return lex(src).map((t) => (t.type === 'space' ? '_' : `${t.type}:${t.val}`));
}

const cases: Array<[string, string[]]> = [
  ['a{{.X}}b', ['text:a', 'leftDelim:{{', 'field:.X', 'rightDelim:}}', 'text:b', 'eof:']],
  ['a  {{- .X -}}  b', ['text:a', 'leftDelim:{{', 'field:.X', 'rightDelim:}}', 'text:b', 'eof:']],
  ['a {{-3}} b', ['text:a ', 'leftDelim:{{', 'number:-3', 'rightDelim:}}', 'text: b', 'eof:']],
  ['a \n{{- /* c */ -}}\n b', ['text:a', 'text:b', 'eof:']],
  ['{{.A.B $x.C (f).D}}', ['leftDelim:{{', 'field:.A', 'field:.B', '_', 'variable:$x', 'field:.C', '_', 'leftParen:(', 'identifier:f', 'rightParen:)', 'field:.D', 'rightDelim:}}', 'eof:']],
  ['{{.5 . $ true nil if}}', ['leftDelim:{{', 'number:.5', '_', 'dot:.', '_', 'variable:$', '_', 'bool:true', '_', 'nil:nil', '_', 'keyword:if', 'rightDelim:}}', 'eof:']],
  ['{{$x := "s" | `r` | \'c\'}}', ['leftDelim:{{', 'variable:$x', '_', 'declare::=', '_', 'string:"s"', '_', 'pipe:|', '_', 'rawString:`r`', '_', 'pipe:|', '_', "charConstant:'c'", 'rightDelim:}}', 'eof:']],
  ['{{range $k, $v = .M}}', ['leftDelim:{{', 'keyword:range', '_', 'variable:$k', 'char:,', '_', 'variable:$v', '_', 'assign:=', '_', 'field:.M', 'rightDelim:}}', 'eof:']],
  ['{{.X', ['leftDelim:{{', 'field:.X', 'error:unclosed action']],
];

for (const [src, want] of cases) {
  test(JSON.stringify(src), () => assert.deepEqual(kinds(src), want));
}

test('token lines', () => {
  const toks = lex('a\n{{.X\n|\nf}}');
  assert.deepEqual(toks.filter((t) => t.type !== 'space').map((t) => [t.type, t.line]), [
    ['text', 1],
    ['leftDelim', 2],
    ['field', 2],
    ['pipe', 3],
    ['identifier', 4],
    ['rightDelim', 4],
    ['eof', 4],
  ]);
});
