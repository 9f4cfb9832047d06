import { readFileSync } from 'node:fs';

export const FIXTURES = ['queue-answered', 'queue-abandoned', 'queue-anonymous', 'queue-transfer'] as const;
export type FixtureName = (typeof FIXTURES)[number];

/** A recorded AMI session exactly as Asterisk sent it (CRLF line ends). */
export function fixtureText(name: FixtureName): string {
  return readFileSync(new URL(`../fixtures/${name}.ami`, import.meta.url), 'utf8');
}

/** The session's event messages, each in wire form with its closing blank line, for a fake server to replay. */
export function fixtureEvents(name: FixtureName): string[] {
  return fixtureText(name)
    .split('\r\n\r\n')
    .filter((block) => block.startsWith('Event: '))
    .map((block) => `${block}\r\n\r\n`);
}
