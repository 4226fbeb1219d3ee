/** Names an output row by the manifest's class list: [0.1, 0.9] -> { ham: 0.1, spam: 0.9 }. */
export function toClassScores(classes: readonly string[], row: Float32Array): Record<string, number> {
  const scores: Record<string, number> = {};
  classes.forEach((name, i) => {
    scores[name] = row[i]!;
  });
  return scores;
}
