import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { NewConsultation } from '../../features/consultation/new-consultation';
import { FollowUpsPanel } from '../../features/follow-ups/worklist';
import { MyState } from '../../features/queue/my-state';
import { useDeskCalls } from '../../features/queue/queue-hooks';
import { WaitingCalls } from '../../features/queue/waiting-calls';
import { YourCall } from '../../features/queue/your-call';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { MyWork } from './my-work';

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
