// Bundles the berth CLI (tsc's dist/src/bin/berth.js and what it imports) into
// one module, dist/berth.mjs: node then reads and links one file instead of some
// seventy, which is most of a CLI command's start-up. npm packages stay imports.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/bin/berth.js'],
  outfile: 'dist/berth.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
