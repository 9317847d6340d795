import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, useHarness } from './harness.js';
import { useAccessFirewall } from '../firewall/surfaces.js';

describe('API /berth/firewall', () => {
  const h = useHarness();
  const kernel = useAccessFirewall(h);

  it('POST adds a rule (201) and returns what it does; GET lists it; DELETE removes it', async () => {
    const r = await call(h.socketPath, 'POST', '/v1.41/berth/firewall', { Action: 'allow', Source: '10.200.0.2', Port: '8080' });
    assert.equal(r.status, 201, r.text);
    const body = r.json() as { Rule: { Id: string; Description: string; Iptables: string }; Written: boolean; Added: string[]; Warnings: string[] };
    assert.equal(body.Written, true);
    assert.match(body.Rule.Description, /published port 8080\/tcp/);
    assert.equal(body.Rule.Iptables, `-A BERTH-FIREWALL -s 10.200.0.2/32 -p tcp -m conntrack --ctorigdstport 8080 -m comment --comment "berth-firewall:${body.Rule.Id} allow" -j RETURN`);
    assert.ok(body.Added.includes(body.Rule.Iptables));
    assert.deepEqual(body.Warnings, ['no running container publishes port 8080/tcp yet; the rule applies once one does']);
    assert.ok(kernel().includes(body.Rule.Iptables));

    const list = await call(h.socketPath, 'GET', '/berth/firewall');
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.json() as Record<string, string>[]).map(({ Id, Action, Source, Port, InInterface }) => ({ Id, Action, Source, Port, InInterface })),
      [{ Id: body.Rule.Id, Action: 'allow', Source: '10.200.0.2', Port: '8080/tcp', InInterface: '' }],
    );

    const del = await call(h.socketPath, 'DELETE', `/berth/firewall/${body.Rule.Id}`);
    assert.equal(del.status, 200);
    assert.ok((del.json() as { Removed: string[] }).Removed.includes(body.Rule.Iptables));
    assert.doesNotMatch(kernel(), /berth-firewall/);
  });

  it('DryRun: 200, nothing written', async () => {
    const before = kernel();
    const r = await call(h.socketPath, 'POST', '/berth/firewall', { Action: 'deny', Source: '10.200.0.0/24', DryRun: true });
    assert.equal(r.status, 200);
    assert.equal((r.json() as { Written: boolean }).Written, false);
    assert.equal(kernel(), before);
    assert.deepEqual((await call(h.socketPath, 'GET', '/berth/firewall')).json(), []);
  });

  it('bad input: 400 naming the problem; unknown rule: 404; duplicate: 409', async () => {
    const cases: [unknown, RegExp][] = [
      [{ Action: 'accept', Source: '10.0.0.1' }, /invalid action "accept"/],
      [{ Action: 'allow' }, /a source is required/],
      [{ Action: 'allow', Source: '10.0.0.1/8' }, /did you mean 10\.0\.0\.0\/8\?/],
      [{ Action: 'allow', Source: '10.0.0.1', Port: '99999' }, /invalid port "99999"/],
      [{ Action: 'allow', Source: '10.0.0.1', InInterface: 'eth 0' }, /invalid interface/],
      [{ Action: 'allow', Source: 10 }, /invalid type for field "Source": expected string, got number/],
      [{ Action: 'allow', Source: '10.0.0.1', InInterface: 'docker0' }, /docker0 is one of berth's bridges/],
    ];
    for (const [body, message] of cases) {
      const r = await call(h.socketPath, 'POST', '/berth/firewall', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.match((r.json() as { message: string }).message, message);
    }
    assert.equal((await call(h.socketPath, 'DELETE', '/berth/firewall/nope')).status, 404);
    await call(h.socketPath, 'POST', '/berth/firewall', { Action: 'deny', Source: '10.0.0.1' });
    assert.equal((await call(h.socketPath, 'POST', '/berth/firewall', { Action: 'deny', Source: '10.0.0.1' })).status, 409);
  });
});
