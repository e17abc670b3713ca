// Which free sequence a new request should get. Like llama-server's slot selection: the one whose cached tokens
// share the longest prefix with the prompt, because that prefix needs no evaluation (a system prompt, the earlier
// turns of a conversation, a shared few-shot preamble). Ties go to the least recently used sequence, so the
// cache of the conversation that ran last survives longest for its follow-up.

/** Length of the common prefix of two token lists. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Index of the candidate sharing the longest prefix with `prompt`; candidates are ordered least recently used
 * first, and the first of equally long matches wins. -1 when there are no candidates.
 */
export function longestPrefixIndex(
  candidates: readonly (readonly number[])[],
  prompt: readonly number[],
): number {
  let best = -1;
  let bestLength = -1;
  candidates.forEach((tokens, i) => {
    const length = commonPrefixLength(tokens, prompt);
    if (length > bestLength) {
      best = i;
      bestLength = length;
    }
  });
  return best;
}

/**
 * Tokens of a prompt that generation can take from the sequence's cache: the common prefix, less the prompt's last
 * token, which is always evaluated again because its logits give the first generated token.
 */
export function reusablePrefixLength(cached: readonly number[], prompt: readonly number[]): number {
  return Math.max(0, Math.min(commonPrefixLength(cached, prompt), prompt.length - 1));
}
