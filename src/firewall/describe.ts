// What an access rule does, in plain words, shown before it is written. Pure.
import { formatPort, type AccessRuleSpec, type Scope, type Source } from './model.js';

const UNAFFECTED =
  "Replies, the containers' own outgoing connections and traffic between containers on the same network are not affected.";

export function describeRule(rule: AccessRuleSpec): string {
  const from = `new connections from ${sourceWords(rule.source)}${arriving(rule)}`;
  if (rule.action === 'deny') return `Drops ${from} to ${target(rule)}. ${UNAFFECTED}`;
  return (
    `Lets ${from} through to ${target(rule)}. ` +
    `New connections to ${target(rule)}${arriving(rule)} from sources that no allow rule names are dropped` +
    ` (deny rules win over allow rules). ${UNAFFECTED}`
  );
}

function sourceWords(s: Source): string {
  if (s.kind === 'ip') return s.ip;
  if (s.kind === 'cidr') return `the network ${s.cidr}`;
  return `the addresses ${s.from} to ${s.to}`;
}

function target(scope: Scope): string {
  return scope.port ? `published port ${formatPort(scope.port)}` : 'the containers';
}

function arriving(scope: Scope): string {
  return scope.inInterface ? ` arriving on ${scope.inInterface}` : '';
}
