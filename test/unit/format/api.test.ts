// The public API beyond single renderings: compile once / run many, data that
// is not plain JSON (class instances with methods, Map, bigint), and errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemplateError, compileTemplate, renderTemplate } from '../../../src/cli/format/index.js';
import * as viaTemplate from '../../../src/cli/format/template.js';
import { container, network } from './fixtures.js';

describe('compileTemplate', () => {
  test('parses once and renders each row', () => {
    const render = compileTemplate('{{.Name}}:{{len .Containers}}');
    assert.equal(render(network), 'backend:2');
    assert.equal(render({ Name: 'none', Containers: {} }), 'none:0');
    assert.throws(() => render({}), { message: 'template: :1:12: executing "" at <len .Containers>: error calling len: len of nil pointer' });
  });

  test('syntax errors surface at compile time, not per row', () => {
    assert.throws(() => compileTemplate('{{.Name'), (e: unknown) => e instanceof TemplateError && e.phase === 'parse');
  });

  test('execution errors surface per row', () => {
    const render = compileTemplate('{{index .L 0}}');
    assert.equal(render({ L: ['x'] }), 'x');
    assert.throws(() => render({ L: [] }), (e: unknown) => e instanceof TemplateError && e.phase === 'exec');
  });

  test('rows do not leak variables into each other', () => {
    const render = compileTemplate('{{$n := .N}}{{range .L}}{{$n = .}}{{end}}{{$n}}');
    assert.equal(render({ N: 'a', L: ['b', 'c'] }), 'c');
    assert.equal(render({ N: 'z', L: [] }), 'z');
  });

  test('template.ts re-exports the API', () => {
    assert.equal(viaTemplate.compileTemplate, compileTemplate);
    assert.equal(viaTemplate.renderTemplate('{{.State.Status}}', container), 'running');
  });
});

describe('non-JSON data', () => {
  class Row {
    constructor(readonly labels: Record<string, string>) {}
    get Name(): string {
      return 'row';
    }
    Label(key: string): string {
      return this.labels[key] ?? '';
    }
    Fail(): string {
      throw new Error('boom');
    }
  }
  const row = new Row({ 'com.example': 'demo' });

  test('getters and methods on class instances, as Docker formatter rows have', () => {
    assert.equal(renderTemplate('{{.Name}} {{.Label "com.example"}} [{{.Label "nope"}}]', row), 'row demo []');
    assert.equal(renderTemplate('{{"com.example" | .Label}}', row), 'demo');
  });

  test('method errors are reported as calls', () => {
    assert.throws(() => renderTemplate('{{.Fail}}', row), { message: 'template: :1:2: executing "" at <.Fail>: error calling Fail: boom' });
  });

  test('Object.prototype members are not fields', () => {
    assert.equal(renderTemplate('{{.constructor}} {{.toString}} {{.hasOwnProperty}}', {}), '<no value> <no value> <no value>');
    assert.equal(renderTemplate('{{.constructor}}', row), '<no value>');
  });

  test('objects without a prototype', () => {
    const o = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
    assert.equal(renderTemplate('{{.}} {{.a}} {{len .}}', o), 'map[a:2 b:1] 2 2');
  });

  test('Map keys are looked up and sorted', () => {
    const m = new Map<string, unknown>([['z', 1], ['a', [1, 2]]]);
    assert.equal(renderTemplate('{{.a}} {{.}} {{range $k, $v := .}}{{$k}}{{end}} {{index . "z"}}', m), '[1 2] map[a:[1 2] z:1] az 1');
  });

  test('bigint and large integer literals', () => {
    assert.equal(renderTemplate('{{.}}', 12345678901234567890n), '12345678901234567890');
    assert.equal(renderTemplate('{{9007199254740993}} {{printf "%x" 9007199254740993}}', {}), '9007199254740993 20000000000001');
    assert.equal(renderTemplate('{{eq . 5}}', 5n), 'true');
  });

  test('undefined data behaves like a nil map', () => {
    assert.equal(renderTemplate('{{.Name}}|{{range .L}}x{{else}}empty{{end}}', undefined), '<no value>|empty');
  });

  test('top-level arrays and strings', () => {
    assert.equal(renderTemplate('{{range .}}<{{.Name}}>{{end}}', [{ Name: 'a' }, { Name: 'b' }]), '<a><b>');
    assert.equal(renderTemplate('{{len .}} {{index . 0}}', 'abc'), '3 97');
  });
});

describe('errors', () => {
  test('TemplateError is an Error with Go\'s message', () => {
    try {
      renderTemplate('{{ .Name } }}', {});
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof Error);
      assert.ok(e instanceof TemplateError);
      assert.equal(e.name, 'TemplateError');
      assert.equal(e.message, 'template: :1: unexpected "}" in operand');
    }
  });

  test('a getter that throws is reported like a failing method', () => {
    const data = {
      get Boom(): string {
        throw new TypeError('getter failed');
      },
    };
    assert.throws(() => renderTemplate('{{.Boom}}', data), { name: 'TemplateError', message: 'template: :1:2: executing "" at <.Boom>: error calling Boom: getter failed' });
  });
});
