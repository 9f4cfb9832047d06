import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { selectMe, useAuthStore } from '../auth/auth-store';
import { NewConsultation } from '../consultation/new-consultation';
import { FollowUpsPanel } from '../follow-ups/worklist';
import { MyWork } from '../my-work/my-work';
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
        <div className="desk-side">
          <YourCall calls={mine} />
          <FollowUpsPanel area="desk" />
          <NewConsultation />
        </div>
      </div>
      <MyWork />
    </AreaPage>
  );
}
