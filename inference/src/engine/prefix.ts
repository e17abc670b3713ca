// Which free sequence a new request should get, as llama-server picks a slot: the one whose cached tokens share
// the longest prefix with the prompt, since that prefix needs no evaluation (a system prompt, the earlier turns of
// a conversation, a shared few-shot preamble), provided the match covers more than half of the prompt. A smaller
// match (often just the chat template's opening tokens) is not worth overwriting a cache another conversation may
// come back to, so then the least recently used sequence is taken instead.

/** Share of the prompt a cached prefix must exceed to be chosen (llama-server's --slot-prompt-similarity default). */
export const MIN_PREFIX_SHARE = 0.5;

/** Length of the common prefix of two token lists. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Index of the candidate to use for `prompt`; candidates are ordered least recently used first. The longest
 * common prefix wins (the first of equally long ones) when it exceeds `minShare` of the prompt; otherwise the least
 * recently used candidate (index 0). -1 when there are no candidates.
 */
export function longestPrefixIndex(
  candidates: readonly (readonly number[])[],
  prompt: readonly number[],
  minShare = MIN_PREFIX_SHARE,
): number {
  if (candidates.length === 0) return -1;
  let best = 0;
  let bestLength = -1;
  candidates.forEach((tokens, i) => {
    const length = commonPrefixLength(tokens, prompt);
    if (length > bestLength) {
      best = i;
      bestLength = length;
    }
  });
  return bestLength > minShare * prompt.length ? best : 0;
}

/**
 * Tokens of a prompt that generation can take from the sequence's cache: the common prefix, less the prompt's last
 * token, which is always evaluated again because its logits give the first generated token.
 */
export function reusablePrefixLength(cached: readonly number[], prompt: readonly number[]): number {
  return Math.max(0, Math.min(commonPrefixLength(cached, prompt), prompt.length - 1));
}
