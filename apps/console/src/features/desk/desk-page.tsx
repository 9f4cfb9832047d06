import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';
import { selectMe, useAuthStore } from '../auth/auth-store';
import { MyState } from '../queue/my-state';
import { useDeskCalls } from '../queue/queue-hooks';
import { WaitingCalls } from '../queue/waiting-calls';
import { YourCall } from '../queue/your-call';

export function DeskPage() {
  const { t } = useTranslation();
  const meId = useAuthStore(selectMe)?.id ?? '';
  const { waiting, mine } = useDeskCalls(meId);

  return (
    <AreaPage title={t('areas.desk')} intro={t('desk.intro')}>
      <MyState meId={meId} />
      <div className="desk-grid">
        <WaitingCalls calls={waiting} />
        <YourCall calls={mine} />
      </div>
      <ComingLater
        items={[
          { id: 'consultation', title: t('desk.consultationTitle'), text: t('desk.consultationText') },
          { id: 'risk', title: t('desk.riskTitle'), text: t('desk.riskText') },
          { id: 'safety', title: t('desk.safetyTitle'), text: t('desk.safetyText') },
          { id: 'referrals', title: t('desk.referralsTitle'), text: t('desk.referralsText') },
        ]}
      />
    </AreaPage>
  );
}
