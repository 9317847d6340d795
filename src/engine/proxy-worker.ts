// The userland proxy thread's side (./proxy-thread.ts): a ProxyGroups that does
// what the messages ask and answers each with its id.
import { parentPort } from 'node:worker_threads';
import { asBerthError } from '../model/errors.js';
import { ProxyGroups } from './proxy-groups.js';
import type { ProxyAnswer, ProxyRequest } from './proxy-thread.js';

const port = parentPort;
if (port === null) throw new Error('proxy-worker: not started as a worker thread');
const groups = new ProxyGroups();

port.on('message', (m: ProxyRequest) => {
  const done = m.op === 'start' ? groups.start(m.owner, m.specs) : m.op === 'stop' ? groups.stop(m.owner) : groups.stopAll();
  done.then(
    () => port.postMessage({ id: m.id } satisfies ProxyAnswer),
    (e: unknown) => {
      const { kind, message } = asBerthError(e);
      port.postMessage({ id: m.id, error: { kind, message } } satisfies ProxyAnswer);
    },
  );
});
