import { BoardFigures, type Locale, type Me } from '@korgon/domain';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration } from '../../features/queue/queue-hooks';
import { clockOffset } from '../../features/queue/queue-sync';
import { useCurrentLocale } from '../../i18n/language';
import { authApi } from '../../lib/auth-api';
import { useAuthStore } from '../../lib/auth-store';
import { openSocket } from '../../lib/socket';
import { wallApi } from '../../lib/wall-api';
import { markWallScreen } from './wall-device';

/** The figures are read again this often whatever the socket says (it also keeps the session alive). */
const READ_EVERY_MS = 60_000;
/** After the server dropped the socket (a restart), or refused it while the session lives, try again. */
const RECONNECT_AFTER_DROP_MS = 5_000;
const RETRY_AFTER_REFUSAL_MS = 15_000;
/** Figures older than this are shown with their age even while the socket is up (the reads are failing). */
const STALE_AFTER_MS = 150_000;

type Connection = 'connecting' | 'live' | 'reconnecting';

interface Shown {
  figures: BoardFigures;
  /** When this screen got them (its own clock). */
  receivedAt: number;
}

// One ticking clock for the page: the wait and the clock move every second.
const tickers = new Set<() => void>();
let tick = Date.now();
let timer: number | undefined;
function subscribeTick(listener: () => void): () => void {
  tickers.add(listener);
  if (timer === undefined) {
    tick = Date.now();
    timer = window.setInterval(() => {
      tick = Date.now();
      for (const l of tickers) l();
    }, 1000);
  }
  return () => {
    tickers.delete(listener);
    if (tickers.size === 0) {
      window.clearInterval(timer);
      timer = undefined;
    }
  };
}
const useTick = () => useSyncExternalStore(subscribeTick, () => tick);

/** Hours and minutes in Bishkek (the line's time zone), whatever the screen's own setting. */
const clockFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'Asia/Bishkek',
});

const percentFormats = new Map<Locale, Intl.NumberFormat>();
function percent(value: number | null, locale: Locale): string {
  if (value === null) return '—';
  let format = percentFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(Intl.NumberFormat.supportedLocalesOf(locale).length > 0 ? locale : 'ru', {
      style: 'percent',
      maximumFractionDigits: 0,
    });
    percentFormats.set(locale, format);
  }
  return format.format(value);
}

/**
 * Keeps the figures on screen current by itself: the `board:figures` pushes on its socket, a read of
 * GET /api/board/figures on every (re)connect and every minute, and a socket that comes back after the
 * server dropped or refused it. A 401 anywhere (revoked, expired) ends the session: the pairing page.
 */
function useWallFigures() {
  const [shown, setShown] = useState<Shown | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [offsetMs, setOffsetMs] = useState(0);

  useEffect(() => {
    let stopped = false;
    let newest = 0;
    let retry: number | undefined;
    const accept = (data: unknown) => {
      const parsed = BoardFigures.safeParse(data);
      if (stopped || !parsed.success) return;
      const at = Date.parse(parsed.data.at);
      // A read that was answered after a newer push must not put older figures back.
      if (at < newest) return;
      newest = at;
      setShown({ figures: parsed.data, receivedAt: Date.now() });
    };
    const read = () => {
      wallApi.figures().then(accept, () => undefined);
    };
    const socket = openSocket();
    const measure = () => {
      const sentAt = Date.now();
      socket
        .timeout(5000)
        .emitWithAck('ping')
        .then((pong) => {
          const offset = clockOffset(pong.serverTime, sentAt, Date.now());
          if (!stopped && offset !== null) setOffsetMs(offset);
        })
        .catch(() => undefined);
    };
    const later = (ms: number) => {
      window.clearTimeout(retry);
      retry = window.setTimeout(() => {
        if (!stopped && !socket.connected) socket.connect();
      }, ms);
    };

    socket.on('connect', () => {
      setConnection('live');
      read();
      measure();
    });
    socket.on('disconnect', (reason) => {
      setConnection('reconnecting');
      // socket.io retries by itself, except after the server closed the socket (a restart, a session check).
      if (reason === 'io server disconnect') later(RECONNECT_AFTER_DROP_MS);
    });
    socket.on('connect_error', () => {
      setConnection('reconnecting');
      if (socket.active) return;
      // Refused: if the session is gone, /me answers 401 and the screen goes to its pairing page.
      authApi.me().then(
        () => later(RETRY_AFTER_REFUSAL_MS),
        () => later(RETRY_AFTER_REFUSAL_MS),
      );
    });
    socket.on('board:figures', accept);
    socket.on('session:ended', () => useAuthStore.getState().endSession());
    socket.on('me:updated', ({ locale }) => useAuthStore.getState().localeChangedElsewhere(locale));

    read();
    const minutely = window.setInterval(() => {
      read();
      if (socket.connected) measure();
    }, READ_EVERY_MS);

    return () => {
      stopped = true;
      window.clearInterval(minutely);
      window.clearTimeout(retry);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, []);

  return { shown, connection, offsetMs };
}

/** Asks the screen to stay on while the page is visible (where the browser can). */
function useScreenAwake() {
  useEffect(() => {
    let lock: WakeLockSentinel | null = null;
    let stopped = false;
    const ask = () => {
      if (stopped || document.visibilityState !== 'visible' || !('wakeLock' in navigator)) return;
      navigator.wakeLock.request('screen').then(
        (l) => {
          if (stopped) void l.release();
          else lock = l;
        },
        () => undefined,
      );
    };
    ask();
    document.addEventListener('visibilitychange', ask);
    return () => {
      stopped = true;
      document.removeEventListener('visibilitychange', ask);
      void lock?.release().catch(() => undefined);
    };
  }, []);
}

function Figure({
  label,
  value,
  size = 'large',
  tone,
  testId,
}: {
  label: string;
  value: string | number;
  size?: 'huge' | 'large' | 'medium';
  tone?: 'attention' | 'alarm' | undefined;
  testId: string;
}) {
  return (
    <div
      className={`wall-figure wall-figure-${size}${tone ? ` wall-figure-${tone}` : ''}`}
      data-testid={testId}
    >
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/**
 * The call room's wall display: large figures readable across the room, in high contrast, numbers only (no
 * names, no references). It reconnects by itself and says so while it does.
 */
export function WallPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const { shown, connection, offsetMs } = useWallFigures();
  const now = useTick() + offsetMs;
  useScreenAwake();

  useEffect(() => {
    markWallScreen(true);
  }, []);
  useEffect(() => {
    document.title = `${t('areas.wall')} · ${t('app.name')}`;
  }, [t]);

  const f = shown?.figures;
  const stale = shown !== null && (connection !== 'live' || Date.now() - shown.receivedAt > STALE_AFTER_MS);
  const ageMinutes = f ? Math.max(0, Math.floor((now - Date.parse(f.at)) / 60_000)) : 0;
  const longest = f?.live.longestWaitSince ? formatDuration(now - Date.parse(f.live.longestWaitSince)) : '—';

  return (
    <div className={stale ? 'wall wall-stale' : 'wall'} data-testid="wall" data-connection={connection}>
      <header className="wall-header">
        <h1 className="wall-title">
          {t('app.name')} <span className="wall-where">{me.displayName}</span>
        </h1>
        <p className="wall-status" role="status" data-testid="wall-status">
          {connection === 'live' && !stale && <span className="wall-live">{t('wall.live')}</span>}
          {connection === 'connecting' && !shown && t('wall.connecting')}
          {(connection === 'reconnecting' || stale) && (
            <span className="wall-reconnecting">
              {connection === 'live' ? t('wall.stale') : t('wall.reconnecting')}
              {f && (
                <>
                  {' '}
                  {t('wall.figuresAge', { time: clockFormat.format(Date.parse(f.at)), count: ageMinutes })}
                </>
              )}
            </span>
          )}
        </p>
        <p className="wall-clock">
          <span className="sr-only">{t('wall.clock')} </span>
          <time dateTime={new Date(now).toISOString()}>{clockFormat.format(now)}</time>
        </p>
      </header>
      <main id="main" className="wall-main" tabIndex={-1}>
        {!f ? (
          <p className="wall-waiting" role="status">
            {t('wall.noFigures')}
          </p>
        ) : (
          <>
            <dl className="wall-row wall-row-calls">
              <Figure
                label={t('wall.waiting')}
                value={f.live.waiting}
                size="huge"
                tone={f.live.waiting > 0 ? 'attention' : undefined}
                testId="wall-waiting"
              />
              <Figure label={t('wall.longestWait')} value={longest} size="huge" testId="wall-longest-wait" />
              <Figure
                label={t('wall.inProgress')}
                value={f.live.inProgress}
                size="huge"
                testId="wall-in-progress"
              />
            </dl>
            <section className="wall-section" aria-labelledby="wall-operators">
              <h2 id="wall-operators" className="wall-section-title">
                {t('wall.operators')}
              </h2>
              <dl className="wall-row">
                <Figure
                  label={t('wall.available')}
                  value={f.live.operators.available}
                  testId="wall-available"
                />
                <Figure label={t('wall.onCall')} value={f.live.operators.on_call} testId="wall-on-call" />
                <Figure label={t('wall.wrapUp')} value={f.live.operators.wrap_up} testId="wall-wrap-up" />
                <Figure label={t('wall.break')} value={f.live.operators.break} testId="wall-break" />
              </dl>
            </section>
            <dl className="wall-row wall-row-service">
              <Figure
                label={t('wall.serviceLevelHour')}
                value={percent(f.windows.hour.serviceLevel, locale)}
                size="medium"
                testId="wall-sl-hour"
              />
              <Figure
                label={t('wall.serviceLevelToday')}
                value={percent(f.windows.today.serviceLevel, locale)}
                size="medium"
                testId="wall-sl-today"
              />
              <Figure
                label={t('wall.answeredToday')}
                value={f.windows.today.answered}
                size="medium"
                testId="wall-answered"
              />
              <Figure
                label={t('wall.abandonedToday')}
                value={f.windows.today.abandoned}
                size="medium"
                testId="wall-abandoned"
              />
              <Figure
                label={t('wall.openAlerts')}
                value={f.attention.openAlerts}
                size="medium"
                tone={f.attention.openAlerts > 0 ? 'alarm' : undefined}
                testId="wall-open-alerts"
              />
            </dl>
          </>
        )}
      </main>
    </div>
  );
}
