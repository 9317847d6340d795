// One consistent view of the engine for the shapes (records are immutable data).
import type { Engine } from '../engine/types.js';
import type { ShapeSnapshot } from './shapes.js';

export function takeSnapshot(engine: Engine, now: number = Date.now()): ShapeSnapshot {
  return {
    networks: engine.listNetworks(),
    containers: engine.listContainers(true),
    endpoints: engine.endpoints(),
    now,
    // berthd serves the API from the namespace host-mode containers share.
    hostSandboxKey: `/proc/${process.pid}/ns/net`,
  };
}
