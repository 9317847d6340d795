#!/usr/bin/env node
// Builds the project and captures dockerd goldens into test/golden/dockerd/.
//   node scripts/capture-dockerd-goldens.mjs [scenario|inspect|sysctls|links ...] [--list]
// Needs root, docker.io 20.10 (/usr/sbin/dockerd, /usr/bin/docker), iptables,
// iproute2, util-linux (nsenter), busybox-static. Never touches the root
// network namespace: every run is in its own bt<hex>-host/-ext namespaces.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = spawnSync('npx', ['tsc', '-p', '.'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) console.error('tsc reported errors (files are still emitted); continuing');
const r = spawnSync(process.execPath, ['dist/test/differential/capture.js', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
