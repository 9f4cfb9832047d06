import { KeysPanel } from './keys-panel';
import { SecondFactorPolicyPanel } from './second-factor-policy-panel';

/** Security: the operators' second-factor policy, and the keys (versions, re-encryption runs). */
export function SecurityPanel() {
  return (
    <>
      <SecondFactorPolicyPanel />
      <KeysPanel />
    </>
  );
}
