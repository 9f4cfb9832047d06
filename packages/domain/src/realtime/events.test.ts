import { describe, expect, it } from 'vitest';
import realtimeDoc from '../../../../docs/realtime.md?raw';
import { CLIENT_EVENT_PERMISSIONS, clientEventNames, serverEventNames } from './events';

/** The names docs/realtime.md gives a table row of its own: `| \`name\` |`. */
const documented = new Set<string>(
  [...realtimeDoc.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1] ?? ''),
);

describe('docs/realtime.md', () => {
  it('has a table row for every server → console event', () => {
    expect(serverEventNames.length).toBeGreaterThan(10);
    expect(serverEventNames.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('has a table row for every console → server event', () => {
    expect(clientEventNames).toEqual(Object.keys(CLIENT_EVENT_PERMISSIONS));
    expect(clientEventNames.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists no event the maps do not have', () => {
    const known = new Set<string>([...serverEventNames, ...clientEventNames]);
    const eventLike = [...documented].filter((name) => /^[a-z-]+:[a-z-]+$|^ping$/.test(name));
    expect(eventLike.filter((name) => !known.has(name))).toEqual([]);
  });
});
