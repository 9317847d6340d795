// -m mark --mark VALUE[/MASK]: (packet mark & mask) == value.
import { parseNumber, unsupported, type MatchModule } from './types.js';

/** `0x10/0xff` → [value, mask]; a missing mask is all ones. */
export function parseMarkMask(text: string): readonly [number, number] | null {
  const [v = '', m] = text.split('/');
  const value = parseNumber(v);
  const mask = m === undefined ? 0xffffffff : parseNumber(m);
  return value === null || mask === null ? null : [value >>> 0, mask >>> 0];
}

export const mark: MatchModule = {
  arity: { '--mark': 1 },
  option(opt) {
    const parsed = parseMarkMask(opt.values[0] ?? '');
    if (parsed === null) return unsupported(`--mark ${opt.values[0] ?? ''}`);
    const [value, mask] = parsed;
    return (ctx) => ((ctx.mark & mask) >>> 0) === value;
  },
};
