import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { FollowUpsPanel } from '../follow-ups/worklist';
import { BoardQueue } from '../queue/board-queue';
import { RiskAlertsPanel } from './alerts-panel';
import { OpenReferrals } from './open-referrals';

export function BoardPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.board')} intro={t('board.intro')}>
      <RiskAlertsPanel />
      <OpenReferrals />
      <FollowUpsPanel area="board" />
      <BoardQueue />
    </AreaPage>
  );
}
