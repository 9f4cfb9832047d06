import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';
import { BoardQueue } from '../queue/board-queue';

export function BoardPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.board')} intro={t('board.intro')}>
      <BoardQueue />
      <ComingLater
        items={[
          { id: 'alerts', title: t('board.alertsTitle'), text: t('board.alertsText') },
          { id: 'referrals', title: t('board.referralsTitle'), text: t('board.referralsText') },
          { id: 'sign-off', title: t('board.signOffTitle'), text: t('board.signOffText') },
        ]}
      />
    </AreaPage>
  );
}
