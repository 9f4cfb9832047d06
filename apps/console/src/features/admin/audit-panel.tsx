/** The audit log viewer (issue 13): being built. */
export function AuditPanel() {
  return null;
}
