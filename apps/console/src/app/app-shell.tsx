import { type AreaId, areasOf, homeAreaOf, type Me } from '@korgon/domain';
import { useEffect } from 'react';
import { SkipLink } from '../components/skip-link';
import { useUserLocale } from '../i18n/use-user-locale';
import { type Route, replaceRoute, useRoute } from '../lib/route';
import { SessionsPage } from '../pages/account/sessions-page';
import { AdminPage } from '../pages/admin/admin-page';
import { BoardPage } from '../pages/board/board-page';
import { ConsultationPage } from '../pages/desk/consultation-page';
import { DeskPage } from '../pages/desk/desk-page';
import { InboxPage } from '../pages/inbox/inbox-page';
import { StatisticsPage } from '../pages/statistics/statistics-page';
import { WallPage } from '../pages/wall/wall-page';
import { AppHeader } from './app-header';
import { MainNav } from './main-nav';
import { useRealtime } from './use-realtime';

type Shown = Exclude<Route, { kind: 'unknown' }>;

function View({ route }: { route: Shown }) {
  if (route.kind === 'sessions') return <SessionsPage />;
  if (route.kind === 'consultation') return <ConsultationPage id={route.id} />;
  switch (route.area) {
    case 'desk':
      return <DeskPage />;
    case 'board':
      return <BoardPage />;
    case 'statistics':
      return <StatisticsPage />;
    case 'admin':
      return <AdminPage />;
    case 'inbox':
      return <InboxPage />;
    case 'wall':
      // A wall display has the wall alone, drawn without the shell (WallShell); never reached from here.
      return null;
  }
}

function currentArea(route: Shown): AreaId | null {
  if (route.kind === 'area') return route.area;
  return route.kind === 'consultation' ? 'desk' : null;
}

function viewKey(route: Shown): string {
  if (route.kind === 'area') return route.area;
  return route.kind === 'consultation' ? `consultation:${route.id}` : 'sessions';
}

/** The signed-in console: a wall display's screen, or the staff console. */
export function AppShell({ me }: { me: Me }) {
  return homeAreaOf(me.role) === 'wall' ? <WallShell me={me} /> : <StaffShell me={me} />;
}

/**
 * A wall display: its figures on the whole screen. No navigation, no account menu, no sign-out (an
 * administrator revokes it); its own socket and reads (WallPage), in the language chosen for it.
 */
function WallShell({ me }: { me: Me }) {
  useUserLocale(me.locale);
  const route = useRoute();
  const onWall = route.kind === 'area' && route.area === 'wall';
  useEffect(() => {
    if (!onWall) replaceRoute('wall');
  }, [onWall]);
  return <WallPage me={me} />;
}

/** The staff console: header, the role's areas, and the area on screen. */
function StaffShell({ me }: { me: Me }) {
  useRealtime(me.role);
  useUserLocale(me.locale);

  const route = useRoute();
  const areas = areasOf(me.role);
  const home = homeAreaOf(me.role);
  // A consultation is part of the desk: whoever has the desk records consultations.
  const allowed =
    route.kind === 'sessions' ||
    (route.kind === 'area' && areas.includes(route.area)) ||
    (route.kind === 'consultation' && areas.includes('desk'));
  const shown: Shown = allowed ? route : { kind: 'area', area: home };

  useEffect(() => {
    if (!allowed) replaceRoute(home);
  }, [allowed, home]);

  return (
    <div className="shell">
      <SkipLink />
      <AppHeader me={me} onSessionsPage={shown.kind === 'sessions'} />
      <MainNav areas={areas} current={currentArea(shown)} />
      <main id="main" className="shell-main" tabIndex={-1}>
        <View key={viewKey(shown)} route={shown} />
      </main>
    </div>
  );
}
