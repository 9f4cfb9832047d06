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

/**
 * A recorded answer to `Action: CoreShowChannels` (a caller of queue-abandoned still waiting in queue 5200, and
 * an internal call between extensions 103 and 104), with its ActionID replaced by the one asked with.
 */
export function channelsAnswer(actionId: string): string {
  const text = readFileSync(new URL('../fixtures/core-show-channels.ami', import.meta.url), 'utf8');
  return text.replace(/^ActionID: .*$/gm, `ActionID: ${actionId}`);
}

/** A session's events up to, not including, the first `Event: <stopAt>`: a call the link dropped in. */
export function fixtureEventsUntil(name: FixtureName, stopAt: string): string[] {
  const events = fixtureEvents(name);
  const end = events.findIndex((e) => e.startsWith(`Event: ${stopAt}\r\n`));
  return end === -1 ? events : events.slice(0, end);
}
