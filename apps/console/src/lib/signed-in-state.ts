/**
 * Everything kept while signed in is wiped in one place when the session ends, so nothing sensitive
 * outlives it. Each feature store registers its own reset here.
 */
const resets = new Set<() => void>();
let generation = 0;

export function onSignedOut(reset: () => void): void {
  resets.add(reset);
}

export function clearSignedInState(): void {
  generation += 1;
  for (const reset of resets) reset();
}

/** Changes at every sign-out: an answer that arrives for an older generation is dropped. */
export function signedInGeneration(): number {
  return generation;
}
