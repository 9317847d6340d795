// berth rules: the iptables rules berth owns now (iptables-save form).
import { defineCommand } from '../command.js';

export const rules = defineCommand({
  name: 'rules',
  usage: '',
  summary: 'Show the firewall rules berth owns',
  args: { min: 0, max: 0 },
  options: [] as const,
  async run(ctx) {
    const text = await ctx.client.rules();
    ctx.out(text === '' || text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
});
