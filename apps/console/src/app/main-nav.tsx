import type { AreaId } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { hrefOf } from '../lib/route';
import { OpenAlertsBadge } from '../pages/board/alerts-panel';

/** Only the areas the user's role opens (areasOf). */
export function MainNav({ areas, current }: { areas: readonly AreaId[]; current: AreaId | null }) {
  const { t } = useTranslation();
  return (
    <nav className="main-nav" aria-label={t('shell.mainNav')}>
      <ul>
        {areas.map((area) => (
          <li key={area}>
            <a href={hrefOf(area)} aria-current={area === current ? 'page' : undefined}>
              {t(`areas.${area}`)}
              {area === 'board' && <OpenAlertsBadge place="nav" />}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
