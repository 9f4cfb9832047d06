/** Key versions and re-encryption runs (issue 13): being built. */
export function KeysPanel() {
  return null;
}
