import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';

export function DeskPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.desk')} intro={t('desk.intro')}>
      <ComingLater
        items={[
          { id: 'queue', title: t('desk.queueTitle'), text: t('desk.queueText') },
          { id: 'consultation', title: t('desk.consultationTitle'), text: t('desk.consultationText') },
          { id: 'risk', title: t('desk.riskTitle'), text: t('desk.riskText') },
          { id: 'safety', title: t('desk.safetyTitle'), text: t('desk.safetyText') },
          { id: 'referrals', title: t('desk.referralsTitle'), text: t('desk.referralsText') },
        ]}
      />
    </AreaPage>
  );
}
