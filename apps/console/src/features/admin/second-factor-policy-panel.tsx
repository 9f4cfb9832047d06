/** The operators' second-factor policy (issue 13): being built. */
export function SecondFactorPolicyPanel() {
  return null;
}
