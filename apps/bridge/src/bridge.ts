import { TelephonyEvent } from '@korgon/domain';
import type { Logger } from 'pino';
import { AmiClient, type AmiClientOptions, type AmiMessage } from './ami';
import { CallTracker } from './mapping';
import { Poster, type PosterOptions } from './poster';

export interface BridgeOptions {
  ami: AmiClientOptions;
  /** Korgon's base URL; events go to `${korgonUrl}/api/telephony/events`. */
  korgonUrl: string;
  telephonySecret: string;
  log: Logger;
  /** Tuning, mostly for tests: buffer size, batch size, request timeout, backoff of the poster. */
  poster?: Omit<PosterOptions, 'url' | 'secret'>;
  /** How long stop() tries to deliver what is buffered. */
  flushTimeoutMs?: number;
}

export interface BridgeHandle {
  /** Events buffered, not yet accepted by Korgon. */
  readonly pending: number;
  readonly amiLoggedIn: boolean;
  /** Graceful stop: stop reading AMI events, flush for up to flushTimeoutMs, Logoff, close. */
  stop(): Promise<void>;
}

export function eventsUrl(korgonUrl: string): string {
  return `${korgonUrl.replace(/\/+$/, '')}/api/telephony/events`;
}

export function activeCallsUrl(korgonUrl: string): string {
  return `${korgonUrl.replace(/\/+$/, '')}/api/telephony/active-calls`;
}

/** Wires AMI → mapping → poster. Starts connecting at once; returns a handle to observe and stop it. */
export function startBridge(options: BridgeOptions): BridgeHandle {
  const { log } = options;
  const tracker = new CallTracker();
  const poster = new Poster(
    {
      ...options.poster,
      url: eventsUrl(options.korgonUrl),
      activeCallsUrl: activeCallsUrl(options.korgonUrl),
      secret: options.telephonySecret,
    },
    log.child({ component: 'poster' }),
  );

  const onEvent = (message: AmiMessage, receivedAt: Date) => {
    const event = tracker.map(message, receivedAt);
    if (!event) return;
    const parsed = TelephonyEvent.safeParse(event);
    if (!parsed.success) {
      // Korgon would answer 400 for it; say which field, never the value.
      const fields = parsed.error.issues.map((i) => i.path.join('.'));
      log.warn({ callId: event.callId, type: event.type, fields }, 'dropped an event Korgon would reject');
      return;
    }
    log.debug({ eventId: event.eventId, callId: event.callId, type: event.type }, 'event queued');
    poster.push(parsed.data);
  };

  // On every login (first connect and each reconnect) Asterisk says which calls are on the line; Korgon
  // closes as lost the ones it still holds open that are not (their hangups were missed meanwhile).
  const onLoggedIn = () => {
    const at = new Date().toISOString();
    ami.list('CoreShowChannels', 'CoreShowChannelsComplete').then(
      (channels) => {
        const callIds = tracker.activeCalls(channels);
        log.info({ channels: channels.length, calls: callIds.length }, 'active calls listed by Asterisk');
        poster.pushActiveCalls({ callIds, at });
      },
      (err: Error) =>
        log.warn(
          { reason: err.message },
          'could not list the active calls (manager.conf needs write = reporting); Korgon closes silent calls by its time limits',
        ),
    );
  };
  const ami = new AmiClient(options.ami, log.child({ component: 'ami' }), onEvent, onLoggedIn);
  ami.start();

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    ami.stopReading();
    const left = await poster.flush(options.flushTimeoutMs ?? 5_000);
    if (left > 0) log.warn({ undelivered: left }, 'stopping with events Korgon has not taken');
    poster.stop();
    await ami.stop();
    log.info('bridge stopped');
  };

  return {
    get pending() {
      return poster.pending;
    },
    get amiLoggedIn() {
      return ami.loggedIn;
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}
