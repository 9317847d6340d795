// Small pieces of the wording berth's messages share.

/** "1 rule", "3 rules". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
