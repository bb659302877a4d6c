/**
 * The name a question goes by in files: export_labels's column for it, and the suffix of the dataset columns
 * that carry its known answers (META_GOLD_<key>) or, in the sandbox, its hidden truth
 * (META_SANDBOX_ANSWER_<key>). Made from the question's description and cut at a word:
 * "What is the sentiment?" → what_is_the_sentiment.
 */
const KEY_LENGTH = 40;

export function questionKey(description: string): string {
  const words = description
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (words.length <= KEY_LENGTH) return words;
  const cut = words.slice(0, KEY_LENGTH + 1);
  return cut.includes('_') ? cut.slice(0, cut.lastIndexOf('_')) : cut.slice(0, KEY_LENGTH);
}

/**
 * The column among `columns` that names the question with `prefix`, compared without regard to case; a bare
 * `prefix` column stands for the only question when there is one.
 */
export function columnFor(columns: readonly string[], prefix: string, description: string, onlyQuestion: boolean): string | undefined {
  const wanted = `${prefix}_${questionKey(description)}`.toLowerCase();
  return columns.find((name) => name.toLowerCase() === wanted) ?? (onlyQuestion ? columns.find((name) => name.toLowerCase() === prefix.toLowerCase()) : undefined);
}
