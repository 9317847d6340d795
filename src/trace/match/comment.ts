// -m comment --comment TEXT: always matches; the text is for people.
import type { MatchModule } from './types.js';

export const comment: MatchModule = {
  arity: { '--comment': 1 },
  option: () => () => true,
};
