// berth rules [--explain]: the iptables rules berth owns now (iptables-save form);
// with --explain each rule is preceded by a comment saying what it is for, in
// Chinese when the locale (LC_ALL, LC_MESSAGES, LANG) is zh_*, else in English.
import { defineCommand } from '../command.js';

export const rules = defineCommand({
  name: 'rules',
  usage: '[OPTIONS]',
  summary: 'Show the firewall rules berth owns',
  args: { min: 0, max: 0 },
  options: [{ name: 'explain', type: 'bool', help: 'Say in one sentence what each rule is for' }] as const,
  async run(ctx, o) {
    const text = await ctx.client.rules();
    if (o.explain) {
      // Loaded when asked for, not at every command's start.
      const [{ parseSave }, { explainRuleset, messageLang }] = await Promise.all([import('../../render/iptables/save-parse.js'), import('../../trace/explain.js')]);
      ctx.out(explainRuleset(parseSave(text), messageLang(ctx.io.env)));
      return 0;
    }
    ctx.out(text === '' || text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
});
