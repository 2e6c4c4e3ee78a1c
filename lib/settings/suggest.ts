/** "Did you mean": the known name closest to a misspelled one, if any is close enough. */

/** Edit distance (insert, delete, substitute, swap neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate: a typo (a third of the length at most) or a name the word starts with ("lockTable" -> "lock"). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const d = distance(word, name);
    const typo = d <= Math.max(1, Math.floor(Math.max(word.length, name.length) / 3));
    const stem = name.length >= 3 && word.toLowerCase().startsWith(name.toLowerCase());
    if (!typo && !stem) continue;
    const score = typo ? d : word.length - name.length + 10;
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}

/** " (did you mean x?)" or "". */
export const didYouMean = (word: string, candidates: readonly string[]): string => {
  const match = closest(word, candidates);
  return match ? ` (did you mean ${JSON.stringify(match)}?)` : "";
};
