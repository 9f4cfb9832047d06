import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';

export function BoardPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.board')} intro={t('board.intro')}>
      <ComingLater
        items={[
          { id: 'queue', title: t('board.queueTitle'), text: t('board.queueText') },
          { id: 'alerts', title: t('board.alertsTitle'), text: t('board.alertsText') },
          { id: 'referrals', title: t('board.referralsTitle'), text: t('board.referralsText') },
          { id: 'sign-off', title: t('board.signOffTitle'), text: t('board.signOffText') },
        ]}
      />
    </AreaPage>
  );
}
