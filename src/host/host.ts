// Everything of the host plumbing the engine needs, as one object: the real one
// runs `ip`/`nsenter` through the exec port, FakeHost (fake-host.ts) keeps it in memory.
import { exec as realExec, type Exec } from './exec.js';
import { ipBatchRunner, type BatchRunner } from './ip-batch.js';
import { ipLinkReader, type LinkReader } from './links.js';
import { ipNetns, type NetnsPort } from './netns.js';
import { hostSysctls, type SysctlPort } from './sysctl.js';

export interface Host {
  /** Runs an ip batch, in the current namespace or `{ netns }`; throws BatchError. */
  readonly batch: BatchRunner;
  readonly netns: NetnsPort;
  readonly links: LinkReader;
  readonly sysctl: SysctlPort;
}

export function realHost(execFn: Exec = realExec): Host {
  return {
    batch: ipBatchRunner(execFn),
    netns: ipNetns(execFn),
    links: ipLinkReader(execFn),
    sysctl: hostSysctls(execFn),
  };
}
