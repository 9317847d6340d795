// berth network COMMAND
import { defineGroup } from '../command.js';
import { networkConnect } from './network-connect.js';
import { networkCreate } from './network-create.js';
import { networkDisconnect } from './network-disconnect.js';
import { networkInspect } from './network-inspect.js';
import { networkLs } from './network-ls.js';
import { networkPrune } from './network-prune.js';
import { networkRm } from './network-rm.js';

export const network = defineGroup({
  name: 'network',
  summary: 'Manage networks',
  commands: [networkConnect, networkCreate, networkDisconnect, networkInspect, networkLs, networkPrune, networkRm],
});
