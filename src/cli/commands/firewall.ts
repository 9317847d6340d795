// berth firewall COMMAND: the user's access rules for new inbound connections to
// the containers, written as berth-marked rules in DOCKER-USER.
import { defineGroup } from '../command.js';
import { firewallAllow, firewallDeny } from './firewall-add.js';
import { firewallLs } from './firewall-ls.js';
import { firewallRm } from './firewall-rm.js';

export const firewall = defineGroup({
  name: 'firewall',
  summary: 'Manage who may open new connections to the containers (DOCKER-USER)',
  commands: [firewallAllow, firewallDeny, firewallLs, firewallRm],
});
