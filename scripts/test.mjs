// Runs berth's test files with node's test runner: unit tests (pure, fast) first,
// then the kernel-facing suites (integration in namespaces, differential against
// dockerd), which need root. `node scripts/test.mjs unit` runs the unit tests only.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const only = process.argv[2];
const root = 'dist/test';
const files = (dir) =>
  readdirSync(join(root, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join(root, dir, f))
    .sort();

const groups = [
  { name: 'unit', dirs: ['unit'], concurrency: 2 },
  { name: 'kernel', dirs: ['integration', 'differential'], concurrency: 2 },
];
let failed = false;
for (const g of groups) {
  if (only && only !== g.name) continue;
  if (g.name === 'kernel' && process.getuid?.() !== 0) {
    console.error('kernel suites need root (network namespaces, iptables): skipped');
    failed = true;
    continue;
  }
  const list = g.dirs.flatMap((d) => {
    try {
      return files(d);
    } catch {
      return [];
    }
  });
  if (list.length === 0) continue;
  console.log(`\n== ${g.name} tests (${list.length} files)`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${g.concurrency}`, '--test-reporter=spec', ...list], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
