import { areasOf, homeAreaOf, type Me } from '@korgon/domain';
import { useEffect } from 'react';
import { AdminPage } from '../admin/admin-page';
import { BoardPage } from '../board/board-page';
import { DeskPage } from '../desk/desk-page';
import { InboxPage } from '../inbox/inbox-page';
import { SessionsPage } from '../sessions/sessions-page';
import { StatisticsPage } from '../statistics/statistics-page';
import { AppHeader } from './app-header';
import { MainNav } from './main-nav';
import { type Route, replaceRoute, useRoute } from './route';
import { SkipLink } from './skip-link';
import { useRealtime } from './use-realtime';
import { useUserLocale } from './use-user-locale';

type Shown = Exclude<Route, { kind: 'unknown' }>;

function View({ route }: { route: Shown }) {
  if (route.kind === 'sessions') return <SessionsPage />;
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
  }
}

/** The signed-in console: header, the role's areas, and the area on screen. */
export function AppShell({ me }: { me: Me }) {
  useRealtime(me.role);
  useUserLocale(me.locale);

  const route = useRoute();
  const areas = areasOf(me.role);
  const home = homeAreaOf(me.role);
  const allowed = route.kind === 'sessions' || (route.kind === 'area' && areas.includes(route.area));
  const shown: Shown = allowed ? route : { kind: 'area', area: home };

  useEffect(() => {
    if (!allowed) replaceRoute(home);
  }, [allowed, home]);

  return (
    <div className="shell">
      <SkipLink />
      <AppHeader me={me} onSessionsPage={shown.kind === 'sessions'} />
      <MainNav areas={areas} current={shown.kind === 'area' ? shown.area : null} />
      <main id="main" className="shell-main" tabIndex={-1}>
        <View key={shown.kind === 'area' ? shown.area : 'sessions'} route={shown} />
      </main>
    </div>
  );
}
