// The access rules on disk: <data-root>/firewall.json, plain data, replaced
// atomically (temporary file, fsync, rename) so a crash leaves the old or the new
// rule set, never a torn one.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../host/atomic-file.js';
import { dirname, join } from 'node:path';
import { systemError } from '../model/errors.js';
import type { AccessRule } from './model.js';

export interface AccessStore {
  load(): AccessRule[];
  save(rules: readonly AccessRule[]): void;
}

interface Document {
  readonly version: 1;
  readonly rules: readonly AccessRule[];
}

export function accessStoreFile(dataRoot: string): string {
  return join(dataRoot, 'firewall.json');
}

export function fileAccessStore(file: string): AccessStore {
  return {
    load() {
      if (!existsSync(file)) return [];
      let doc: Document;
      try {
        doc = JSON.parse(readFileSync(file, 'utf8')) as Document;
      } catch (e) {
        throw systemError(`cannot read berth firewall rules ${file}: ${(e as Error).message}`, e);
      }
      if (doc?.version !== 1 || !Array.isArray(doc.rules)) throw systemError(`cannot read berth firewall rules ${file}: unsupported format`);
      return [...doc.rules];
    },
    save(rules) {
      const doc: Document = { version: 1, rules };
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomically(file, `${JSON.stringify(doc, null, 2)}\n`);
    },
  };
}

/** For tests: rules kept in memory. */
export function memoryAccessStore(initial: readonly AccessRule[] = []): AccessStore {
  let rules = [...initial];
  return {
    load: () => [...rules],
    save: (r) => {
      rules = [...r];
    },
  };
}
