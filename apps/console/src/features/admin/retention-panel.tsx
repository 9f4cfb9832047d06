/** Retention settings, legal holds and runs (issue 13): being built. */
export function RetentionPanel() {
  return null;
}
