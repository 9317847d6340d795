// One driver per system under test.
import { BerthSystem } from './berth.js';
import { CniSystem } from './cni.js';
import { DockerdSystem } from './dockerd.js';
import { NetavarkSystem } from './netavark.js';
import type { System, SystemName } from './system.js';

export function createSystem(name: SystemName): System {
  switch (name) {
    case 'berth':
    case 'berth-api':
    case 'berth-nft':
      return new BerthSystem(name);
    case 'dockerd':
      return new DockerdSystem();
    case 'netavark':
      return new NetavarkSystem();
    case 'cni':
      return new CniSystem();
  }
}
