// A tiny local helper for the host integration tests (deliberately not shared
// with test/helpers): namespaces with a unique per-run prefix, removed in an
// `after` hook even when a test fails. Nothing here touches the root namespace.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { exec, run, type Exec } from '../../../src/host/exec.js';
import { netnsPath } from '../../../src/host/netns.js';

export interface NetnsFixture {
  /** `bh<4 hex><tag>` : every namespace of this file starts with it. */
  readonly prefix: string;
  /** Creates `${prefix}-${suffix}` and returns its name. */
  add(suffix: string): Promise<string>;
  /** The name a namespace would get, without creating it. */
  name(suffix: string): string;
  /** An exec whose children run inside the namespace, like berthd started with nsenter --net. */
  execIn(ns: string): Exec;
  /** Removes every namespace carrying the prefix; returns what was left over. */
  cleanup(): Promise<string[]>;
}

export function netnsFixture(tag: string): NetnsFixture {
  const prefix = `bh${randomBytes(2).toString('hex')}${tag}`;
  const name = (suffix: string): string => `${prefix}-${suffix}`;
  return {
    prefix,
    name,
    async add(suffix) {
      const ns = name(suffix);
      await run(exec, ['ip', 'netns', 'add', ns]);
      return ns;
    },
    execIn: (ns) => (argv, options) => exec(['nsenter', `--net=${netnsPath(ns)}`, ...argv], options),
    async cleanup() {
      const mine = (await readdir('/var/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(`${prefix}-`));
      for (const ns of mine) await exec(['ip', 'netns', 'del', ns]);
      return mine;
    },
  };
}

/** Polls `check` until it returns a value or the deadline passes; never a fixed sleep. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
