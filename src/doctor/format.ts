// A doctor report as plain text: each finding with its fix, what --fix did, and
// one closing line that says whether the host is healthy.
import type { DoctorReport } from './run.js';
import { plural } from '../model/words.js';
import type { Finding } from './types.js';

const INDENT = '        ';

function formatFinding(f: Finding): string {
  const head = `${f.severity === 'error' ? 'ERROR  ' : 'WARNING'} ${f.summary}\n`;
  const fix = `${INDENT}fix: ${f.fix}${f.fixable ? '' : ' (not applied by --fix)'}\n`;
  const detail = (f.detail ?? []).map((l) => `${INDENT}  ${l}\n`).join('');
  return head + fix + detail;
}

/** `fixCommand`: how the user asks for the fixes (`berth doctor --fix`, with --docker URL in that mode). */
export function formatReport(r: DoctorReport, fixCommand: string): string {
  const done = r.applied.map((a) => `FIXED   ${a}\n`).join('') + r.failures.map((a) => `FAILED  ${a}\n`).join('');
  const findings = r.findings.map(formatFinding).join('');
  return done + findings + `${closing(r, fixCommand)}\n`;
}

function closing(r: DoctorReport, fixCommand: string): string {
  const fixRun = r.applied.length > 0 || r.failures.length > 0;
  if (r.healthy) {
    return fixRun
      ? `Healthy: ${plural(r.fixed.length, 'problem')} fixed; ${r.manager}'s networking checks out.`
      : `Healthy: ${r.manager}'s networking checks out (${r.checks.join(', ')}).`;
  }
  const fixable = r.findings.filter((f) => f.fixable).length;
  const left = `${plural(r.findings.length, 'problem')} ${fixRun ? 'left' : 'found'}`;
  if (fixRun || fixable === 0) return `${left}.${fixable === 0 ? '' : ` ${fixable} of them should have been fixed: see the failures above.`}`;
  return `${left}; ${fixCommand} fixes ${fixable === r.findings.length ? (fixable === 1 ? 'it' : 'all of them') : `${fixable} of them`}.`;
}

/** The report as the CLI prints it: text, or indented JSON for scripts. */
export function renderReport(r: DoctorReport, json: boolean, fixCommand: string): string {
  return json ? `${JSON.stringify(r, null, 2)}\n` : formatReport(r, fixCommand);
}
