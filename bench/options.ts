// Command line of `npm run bench` and the sizes each mode measures.
import { LONG_RUN_MS } from './measure.js';
import { SYSTEM_NAMES, type SystemName } from './systems/system.js';

export interface Plan {
  readonly systems: readonly SystemName[];
  readonly reps: number;
  readonly quick: boolean;
  /** Where the report goes (default: docs/benchmarks.md of the checkout). */
  readonly out: string | null;
  readonly publishCounts: readonly number[];
  readonly attachCount: number;
  readonly networkCount: number;
  readonly footprintPorts: number;
  readonly datapathCounts: readonly number[];
  readonly datapathMs: number;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only SYSTEM,...] [--reps N] [--out FILE]
  --quick        small sizes, 1 repetition: a smoke run
  --only LIST    systems to measure, of ${SYSTEM_NAMES.join(', ')} (default: all)
  --reps N       repetitions of each case (default 5; a system whose first
                 run of a case takes over ${LONG_RUN_MS / 1000} s runs that case once)
  --out FILE     where to write the report (default docs/benchmarks.md)`;

const FULL = { publishCounts: [1, 100, 1000], attachCount: 50, networkCount: 20, footprintPorts: 1000, datapathCounts: [10, 10_000], datapathMs: 3000 };
const QUICK = { publishCounts: [1, 10], attachCount: 3, networkCount: 2, footprintPorts: 10, datapathCounts: [10, 100], datapathMs: 1000 };

/** Parses the arguments after `node main.js`; throws with the usage text on a mistake. */
export function parseArgs(argv: readonly string[]): Plan {
  let quick = false;
  let reps: number | null = null;
  let systems: SystemName[] = [...SYSTEM_NAMES];
  let out: string | null = null;
  const fail = (msg: string): never => {
    throw new Error(`${msg}\n${USAGE}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => argv[++i] ?? fail(`${arg} needs a value`);
    if (arg === '--quick') quick = true;
    else if (arg === '--reps') {
      const v = value();
      reps = Number(v);
      if (!Number.isInteger(reps) || reps < 1) fail(`--reps: not a positive integer: ${v}`);
    } else if (arg === '--only') {
      const names = value().split(',').filter(Boolean);
      const unknown = names.filter((n) => !(SYSTEM_NAMES as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) fail(`--only: unknown system ${unknown.join(', ') || '(none given)'}`);
      systems = SYSTEM_NAMES.filter((n) => names.includes(n));
    } else if (arg === '--out') out = value();
    else fail(`unknown argument ${arg}`);
  }
  return { systems, quick, out, reps: reps ?? (quick ? 1 : 5), ...(quick ? QUICK : FULL) };
}
