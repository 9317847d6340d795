// A trace as text for people: the verdict first, then each packet's way, hook by
// hook, with the rules that matched (all evaluated rules with `verbose`).
import { packetText } from './packet.js';
import { deliveryText, type LegResult, type Step, type TraceResult } from './result.js';

function stepLines(step: Step, verbose: boolean): string[] {
  switch (step.kind) {
    case 'hook': {
      const ifaces = [step.in === null ? null : `in ${step.in}`, step.out === null ? null : `out ${step.out}`].filter((s) => s !== null);
      return [`  ${step.hook}${ifaces.length > 0 ? ` (${ifaces.join(', ')})` : ''}`];
    }
    case 'rule': {
      const where = `${step.table} ${step.chain} #${step.index}`;
      if (step.result === 'not-matched') return verbose ? [`      ${where}  ${step.rule}  (no match)`] : [];
      if (step.result === 'matched') return [`    ${where}  ${step.rule}  => ${step.action ?? ''}`];
      return [`    ? ${where}  ${step.rule}  => ${step.action ?? ''}`, ...step.reasons.map((r) => `        ${r}`)];
    }
    case 'policy':
      return [`    ${step.table} ${step.chain} policy ${step.policy}`];
    case 'return':
      return [`    ${step.table} ${step.chain}: end of chain, back to ${step.to}`];
    case 'conntrack':
      return [`    conntrack: ${step.text}`];
    case 'route':
      return [`  ${step.text}`];
    case 'note':
      return [`  (${step.text})`];
  }
}

function legText(leg: LegResult, verbose: boolean): string {
  const title = leg.direction === 'original' ? 'first packet' : 'answer';
  const lines = [`${title} (conntrack ${leg.conntrack}): ${packetText(leg.sent)}`];
  for (const step of leg.steps) lines.push(...stepLines(step, verbose));
  const to = leg.deliveredTo === null ? '' : `, delivered to ${deliveryText(leg.deliveredTo)}`;
  lines.push(`  verdict: ${leg.verdict}${to}${leg.certain ? '' : ' (uncertain)'}`);
  if (leg.received !== null) lines.push(`  the receiver sees: ${packetText(leg.received)}`);
  return lines.join('\n');
}

export function printTrace(t: TraceResult, verbose = false): string {
  const summary = [`trace ${t.from} -> ${t.to}: ${t.verdict}${t.certain ? '' : ' (uncertain: see the rules marked ?)'}`];
  if (t.deliveredTo !== null && t.farEnd !== null) {
    summary.push(`  delivered to ${deliveryText(t.deliveredTo)}; the far end sees ${packetText(t.farEnd)}`);
  }
  for (const n of t.notes) summary.push(`  note: ${n}`);
  const legs = [t.original, ...(t.reply === null ? [] : [t.reply])].map((l) => legText(l, verbose));
  return `${[summary.join('\n'), ...legs].join('\n\n')}\n`;
}
