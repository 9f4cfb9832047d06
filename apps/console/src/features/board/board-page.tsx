import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';
import { BoardQueue } from '../queue/board-queue';
import { RiskAlertsPanel } from './alerts-panel';

export function BoardPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.board')} intro={t('board.intro')}>
      <RiskAlertsPanel />
      <BoardQueue />
      <ComingLater
        items={[{ id: 'referrals', title: t('board.referralsTitle'), text: t('board.referralsText') }]}
      />
    </AreaPage>
  );
}
