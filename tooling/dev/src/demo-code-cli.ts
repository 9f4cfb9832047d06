import { parseEnv, readLocalEnv } from '@korgon/config';
import { createDb } from '@korgon/db';
import { Username } from '@korgon/domain';
import { demoCodeOf } from '@korgon/server';
import { notesKeyringOf } from '@korgon/signing';
import { openDevDatabase } from './dev-database';

/**
 * `pnpm demo:code <username>`: the current second-factor code of a demo user (the demo's stand-in for the
 * authenticator app), and the otpauth URI to add the account to a real app instead. Demo databases only: it
 * reads the sealed secret with the notes key of `.env.local`.
 */
const parsed = Username.safeParse(process.argv[2] ?? '');
if (!parsed.success) {
  console.error(`usage: pnpm demo:code <username>\n${parsed.error.issues[0]?.message ?? ''}`);
  process.exit(2);
}
// Only the notes keys are read from the configuration: the connections come from openDevDatabase.
const env = parseEnv({
  ...readLocalEnv(),
  ...process.env,
  DATABASE_URL: 'postgres://unused/unused',
  REDIS_URL: 'redis://unused',
});
const dev = await openDevDatabase((l) => console.error(l));
let code = 0;
try {
  const h = createDb(dev.url, { max: 1 });
  try {
    const answer = await demoCodeOf(
      h.db,
      parsed.data,
      notesKeyringOf({
        notesKey: env.NOTES_ENCRYPTION_KEY,
        notesKeyVersion: env.NOTES_KEY_VERSION,
        notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
      }),
    );
    if ('error' in answer) {
      console.error(answer.error);
      code = 1;
    } else {
      console.log(
        `${answer.code}   (${parsed.data}; valid for ${answer.secondsLeft} s more, then the next one)`,
      );
      console.log(
        `To use an authenticator app instead, add this account (or make it a QR code): ${answer.otpauthUri}`,
      );
    }
  } finally {
    await h.close();
  }
} finally {
  await dev.release();
}
process.exit(code);
